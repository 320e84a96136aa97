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
	a, err := ask.Routes(ctx, snap, ask.RoutesQuery{NIC: ref.nic, Subnet: ref.subnet}, c.options())
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, render.Routes(a.Routes, a.DisableBGPPropagation))
	}
	title := fmt.Sprintf("Effective routes of subnet %s/%s", a.Subnet.VNet.Name, a.Subnet.Name)
	if a.NIC != nil {
		title = fmt.Sprintf("Effective routes of %s (subnet %s/%s)", a.NIC.Name, a.Subnet.VNet.Name, a.Subnet.Name)
	}
	return render.RoutesText(stdout, title, a.Routes)
}

// target is what a per-NIC command asks about: a NIC reference or a subnet reference.
type target struct{ nic, subnet string }

// nicCommand parses the flags of a per-NIC command (-s, -o, --nic or --subnet) and loads the
// snapshot. It returns the reference for the question to resolve.
func nicCommand(ctx context.Context, name string, args []string, stdin io.Reader) (*common, *ask.Snapshot, target, error) {
	var c common
	var ref target
	fs := newFlagSet(name, &c)
	fs.StringVar(&ref.nic, "nic", "", "NIC ID or name, VM name, or private IP")
	fs.StringVar(&ref.subnet, "subnet", "", "instead of --nic: a subnet as VNET/SUBNET or its ID (any subnet, GatewaySubnet included)")
	if err := parse(fs, &c, args); err != nil {
		return nil, nil, ref, err
	}
	switch {
	case ref.nic == "" && ref.subnet == "":
		return nil, nil, ref, usagef("%s: --nic or --subnet is required", name)
	case ref.nic != "" && ref.subnet != "":
		return nil, nil, ref, usagef("%s: give --nic or --subnet, not both", name)
	}
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return nil, nil, ref, err
	}
	return &c, snap, ref, nil
}
