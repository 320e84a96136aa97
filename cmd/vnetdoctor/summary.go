package main

import (
	"context"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runSummary(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	fs := newFlagSet("summary", &c)
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Summary(ctx, snap, ask.SummaryQuery{}, c.options())
	if err != nil {
		return err
	}
	s := render.NewSummary(a.Network, a.PlaneWarnings)
	if c.output == "json" {
		return render.JSON(stdout, s)
	}
	return render.SummaryText(stdout, s)
}
