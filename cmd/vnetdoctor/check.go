package main

import (
	"context"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

func runCheck(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var failOn string
	fs := newFlagSet("check", &c)
	fs.StringVar(&failOn, "fail-on", "", "exit 3 when a finding is at least this severe: error|warning")
	if err := parse(fs, &c, args, "text", "json", "sarif"); err != nil {
		return err
	}
	if failOn != "" && failOn != "error" && failOn != "warning" {
		return usagef("check: --fail-on must be error or warning, not %q", failOn)
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	findings, err := ask.Check(ctx, snap, ask.CheckQuery{}, c.options())
	if err != nil {
		return err
	}
	switch c.output {
	case "json":
		err = render.CheckJSON(stdout, findings)
	case "sarif":
		err = render.SARIF(stdout, findings, check.Registry(), version)
	default:
		err = render.Check(stdout, findings)
	}
	if err != nil {
		return err
	}
	if failOn != "" && check.FailOn(findings, failOn) {
		return &exitError{code: 3}
	}
	return nil
}
