package main

import (
	"fmt"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runRules(args []string, stdin io.Reader, stdout io.Writer) error {
	c, p, nic, err := nicCommand("rules", args, stdin)
	if err != nil {
		return err
	}
	ipc := nic.Primary()
	if ipc == nil || ipc.Subnet == nil {
		return usagef("NIC %s has no ip configuration with a subnet in the snapshot", nic.ID)
	}
	list := p.ACL.ForIPConfig(ipc).Listing()
	if c.output == "json" {
		if list == nil {
			list = []acl.EffectiveNSG{}
		}
		return render.JSON(stdout, acl.EffectiveNSGList{Value: list})
	}
	return render.RulesText(stdout, fmt.Sprintf("Effective security rules of %s (%s)", nic.Name, ipc.PrivateIP), list)
}
