package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"io"
	"math"
	"slices"
	"strconv"
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
	name        string // the command
	snapshots   listFlag
	output      string
	skipInvalid bool
	maxFileSize sizeFlag
	assume      assumeFlag
}

func assumeNames() string {
	var b strings.Builder
	for i, n := range assume.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n.String() + "=" + strings.Join(n.Values(), "|"))
	}
	return b.String()
}

// assumeFlag is the repeatable --assume NAME=VALUE (cli.md "Every command").
type assumeFlag struct{ set assume.Set }

func (f *assumeFlag) String() string     { return "" }
func (f *assumeFlag) Set(v string) error { return f.set.Parse(v) }

// options are the question options the command line chose.
func (c *common) options() ask.Options {
	o := ask.DefaultOptions()
	o.Assume = c.assume.set
	return o
}

func newFlagSet(name string, c *common) *flag.FlagSet {
	c.name = name
	c.maxFileSize = azure.DefaultMaxFileSize
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&c.snapshots, "s", "snapshot file or directory (repeatable; - for stdin)")
	fs.Var(&c.snapshots, "snapshot", "same as -s")
	fs.StringVar(&c.output, "o", "text", "output format: text|json")
	fs.StringVar(&c.output, "output", "text", "same as -o")
	fs.BoolVar(&c.skipInvalid, "skip-invalid", false, "load the readable files and list the rest as warnings")
	fs.Var(&c.assume, "assume", "NAME=VALUE: choose a behaviour Microsoft's sources disagree on (repeatable): "+assumeNames())
	fs.Var(&c.maxFileSize, "max-file-size", "the largest snapshot file read, in bytes or with KiB, MiB, GiB (default 1GiB)")
	return fs
}

// sizeFlag is a byte count: 1073741824, 1GiB, 512MiB, 100KiB (also KB, MB, GB: powers of 1000).
type sizeFlag int64

func (f *sizeFlag) String() string { return azure.FormatSize(int64(*f)) }

func (f *sizeFlag) Set(v string) error {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}, {"", 1}}
	for _, u := range units {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n <= 0 || n > math.MaxInt64/u.mult {
			break
		}
		*f = sizeFlag(n * u.mult)
		return nil
	}
	return fmt.Errorf("want a positive size such as 1GiB or 500MiB, not %q", v)
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
	if i := slices.Index(c.snapshots, "-"); i >= 0 && slices.Contains(c.snapshots[i+1:], "-") {
		return usagef("%s: -s - (standard input) may appear once", fs.Name())
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

// snapshot loads the snapshot the flags name and computes its data plane. Files skipped by
// --skip-invalid and files that held nothing to read are reported by every command (cli.md
// Contract 0.2): summary lists them in its warnings; the other commands, whose output has no
// warnings field, write them to standard error, one line each.
func (c *common) snapshot(ctx context.Context, stdin io.Reader) (*ask.Snapshot, error) {
	in, _ := stdin.(*cliInput)
	if in != nil {
		stdin = in.Reader
	}
	s, err := azure.Load(c.snapshots, azure.Options{SkipInvalid: c.skipInvalid, Stdin: stdin, MaxFileSize: int64(c.maxFileSize)})
	if err != nil {
		return nil, err
	}
	n, err := convert.Convert(s)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if in != nil && c.name != "summary" {
		for _, w := range n.Warnings {
			if w.Code == "Skipped" || w.Code == "Ignored" {
				fmt.Fprintf(in.stderr, "vnetdoctor: warning: [%s] %s\n", w.Code, w.Message)
			}
		}
	}
	return ask.NewSnapshot(n), nil
}

// cliInput is standard input as run passes it to a command, carrying standard error for the
// warnings of snapshot (the commands' signature has no stderr).
type cliInput struct {
	io.Reader
	stderr io.Writer
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
