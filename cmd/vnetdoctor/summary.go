package main

import (
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runSummary(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	fs := newFlagSet("summary", &c)
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	p, err := c.plane(stdin)
	if err != nil {
		return err
	}
	s := render.NewSummary(p.Net, p.Warnings)
	if c.output == "json" {
		return render.JSON(stdout, s)
	}
	return render.SummaryText(stdout, s)
}
