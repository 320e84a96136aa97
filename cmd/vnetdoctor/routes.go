package main

import (
	"context"
	"fmt"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runRoutes(args []string, stdin io.Reader, stdout io.Writer) error {
	ctx := context.Background()
	c, snap, ref, err := nicCommand(ctx, "routes", args, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Routes(ctx, snap, ask.RoutesQuery{NIC: ref}, c.options())
	if err != nil {
		return err
	}
	if c.output == "json" {
		return render.JSON(stdout, render.Routes(a.Routes, a.DisableBGPPropagation))
	}
	title := fmt.Sprintf("Effective routes of %s (subnet %s/%s)", a.NIC.Name, a.Subnet.VNet.Name, a.Subnet.Name)
	return render.RoutesText(stdout, title, a.Routes)
}

// nicCommand parses the flags of a per-NIC command (-s, -o, --nic) and loads the snapshot. It
// returns the --nic reference for the question to resolve.
func nicCommand(ctx context.Context, name string, args []string, stdin io.Reader) (*common, *ask.Snapshot, string, error) {
	var c common
	var ref string
	fs := newFlagSet(name, &c)
	fs.StringVar(&ref, "nic", "", "NIC ID or name, VM name, or private IP")
	if err := parse(fs, &c, args); err != nil {
		return nil, nil, "", err
	}
	if ref == "" {
		return nil, nil, "", usagef("%s: --nic is required", name)
	}
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return nil, nil, "", err
	}
	return &c, snap, ref, nil
}
