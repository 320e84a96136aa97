package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// runResolve is `vnetdoctor resolve -s SNAP --from VM NAME [-o text|json]`: how the VM's DNS
// servers resolve NAME (spec §8), and the network legs the queries need.
func runResolve(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var from string
	fs := newFlagSet("resolve", &c)
	fs.StringVar(&from, "from", "", "the querying VM: VM name, NIC name or ID, or a NIC's private IP")
	names, err := parsePositional(fs, &c, args)
	if err != nil {
		return err
	}
	if from == "" || len(names) != 1 {
		return usagef("resolve: usage: vnetdoctor resolve -s SNAPSHOT --from VM NAME [-o text|json]")
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Resolve(ctx, snap, ask.ResolveQuery{From: from, Name: names[0]}, c.options())
	var qe *ask.QueryError
	if errors.As(err, &qe) {
		return usagef("resolve: %v", err)
	}
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, a)
	}
	return render.Resolve(stdout, a)
}

// parsePositional parses flags that may come before or after positional arguments (NAME),
// returning the positional ones; the common flags are validated as parse does.
func parsePositional(fs *flag.FlagSet, c *common, args []string) ([]string, error) {
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return nil, parse(fs, c, rest) // the usual usage error, --help included
		}
		if fs.NArg() == 0 {
			break
		}
		pos, rest = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	return pos, parse(fs, c, nil)
}
