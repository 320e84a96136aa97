package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// listFlag is a repeatable string flag (-s a -s b).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// common holds the flags every network-reading command takes (cli.md).
type common struct {
	snapshots   listFlag
	output      string
	skipInvalid bool
}

func newFlagSet(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&c.snapshots, "s", "snapshot file or directory (repeatable; - for stdin)")
	fs.Var(&c.snapshots, "snapshot", "same as -s")
	fs.StringVar(&c.output, "o", "text", "output format: text|json")
	fs.StringVar(&c.output, "output", "text", "same as -o")
	fs.BoolVar(&c.skipInvalid, "skip-invalid", false, "load the readable files and list the rest as warnings")
	return fs
}

// parse parses args and validates the common flags.
func parse(fs *flag.FlagSet, c *common, args []string, formats ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usagef("usage of %s:\n%s", fs.Name(), flagHelp(fs))
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	if len(c.snapshots) == 0 {
		return usagef("%s: -s SNAPSHOT is required", fs.Name())
	}
	if len(formats) == 0 {
		formats = []string{"text", "json"}
	}
	for _, f := range formats {
		if c.output == f {
			return nil
		}
	}
	return usagef("%s: -o must be one of %s, not %q", fs.Name(), strings.Join(formats, "|"), c.output)
}

func flagHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) { b.WriteString("  -" + f.Name + "\t" + f.Usage + "\n") })
	return b.String()
}

// snapshot loads the snapshot the flags name and computes its data plane.
func (c *common) snapshot(ctx context.Context, stdin io.Reader) (*ask.Snapshot, error) {
	return ask.Load(ctx, c.snapshots, convert.Options{SkipInvalid: c.skipInvalid, Stdin: stdin})
}

func isInputError(err error) bool {
	var ie *azure.InputError
	var ae *model.AmbiguousError
	var ne *model.NotFoundError
	var re *dns.ResolveError
	var qe *ask.QueryError
	return errors.As(err, &ie) || errors.As(err, &ae) || errors.As(err, &ne) || errors.As(err, &re) ||
		errors.As(err, &qe)
}
