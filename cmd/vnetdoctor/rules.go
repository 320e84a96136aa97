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
	a, err := ask.Rules(ctx, snap, ask.RulesQuery{NIC: ref}, c.options())
	if err != nil {
		return err
	}
	if c.output == "json" {
		return render.JSON(stdout, acl.EffectiveNSGList{Value: a.NSGs})
	}
	return render.RulesText(stdout, fmt.Sprintf("Effective security rules of %s (%s)", a.NIC.Name, a.IPConfig.PrivateIP), a.NSGs)
}
