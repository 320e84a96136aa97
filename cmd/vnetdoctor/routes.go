package main

import (
	"fmt"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runRoutes(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var nicRef string
	fs := newFlagSet("routes", &c)
	fs.StringVar(&nicRef, "nic", "", "NIC ID or name, VM name, or private IP")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	p, nic, err := loadNIC(&c, stdin, nicRef)
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

// loadNIC loads the snapshot and resolves the --nic reference.
func loadNIC(c *common, stdin io.Reader, ref string) (*dataplane.Plane, *model.NIC, error) {
	if ref == "" {
		return nil, nil, usagef("--nic is required")
	}
	p, err := c.plane(stdin)
	if err != nil {
		return nil, nil, err
	}
	nic, err := p.Net.FindNIC(ref)
	if err != nil {
		return nil, nil, err
	}
	return p, nic, nil
}
