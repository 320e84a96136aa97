package main

import (
	"fmt"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runRoutes(args []string, stdin io.Reader, stdout io.Writer) error {
	c, p, nic, err := nicCommand("routes", args, stdin)
	if err != nil {
		return err
	}
	sub := nic.Subnet()
	if sub == nil {
		return usagef("NIC %s has no subnet in the snapshot; it has no effective routes", nic.ID)
	}
	routes := p.FIB.Subnet(sub).All()
	disable := sub.RouteTable != nil && sub.RouteTable.DisableBGPPropagation
	if c.output == "json" {
		return render.JSON(stdout, render.Routes(routes, disable))
	}
	title := fmt.Sprintf("Effective routes of %s (subnet %s/%s)", nic.Name, sub.VNet.Name, sub.Name)
	return render.RoutesText(stdout, title, routes)
}

// nicCommand parses the flags of a per-NIC command (-s, -o, --nic), loads the snapshot and
// resolves the NIC.
func nicCommand(name string, args []string, stdin io.Reader) (*common, *dataplane.Plane, *model.NIC, error) {
	var c common
	var ref string
	fs := newFlagSet(name, &c)
	fs.StringVar(&ref, "nic", "", "NIC ID or name, VM name, or private IP")
	if err := parse(fs, &c, args); err != nil {
		return nil, nil, nil, err
	}
	if ref == "" {
		return nil, nil, nil, usagef("%s: --nic is required", name)
	}
	p, err := c.plane(stdin)
	if err != nil {
		return nil, nil, nil, err
	}
	nic, err := p.Net.FindNIC(ref)
	if err != nil {
		return nil, nil, nil, err
	}
	return &c, p, nic, nil
}
