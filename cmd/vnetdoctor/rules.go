package main

import (
	"context"
	"fmt"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runRules(args []string, stdin io.Reader, stdout io.Writer) error {
	ctx := context.Background()
	c, snap, ref, err := nicCommand(ctx, "rules", args, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Rules(ctx, snap, ask.RulesQuery{NIC: ref.nic, Subnet: ref.subnet}, c.options())
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, acl.EffectiveNSGList{Value: a.NSGs})
	}
	title := fmt.Sprintf("Effective security rules of subnet %s/%s (an address no NIC owns)", a.Subnet.VNet.Name, a.Subnet.Name)
	if a.NIC != nil {
		title = fmt.Sprintf("Effective security rules of %s (%s)", a.NIC.Name, a.IPConfig.PrivateIP)
	}
	return render.RulesStyled(stdout, title, a.NSGs, c.style)
}
