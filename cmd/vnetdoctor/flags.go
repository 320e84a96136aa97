package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dns"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/plan"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
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
	plans       listFlag        // --plan: planned changes applied before answering (cli.md "plan overlays")
	planned     []*plan.Overlay // the plans as applied
	parsed      *azure.Parsed   // parse trees shared with another load of the same run (diff)
	// warnings are the snapshot's dangling references and skipped or ignored files, which every
	// command reports (cli.md "Every command"): on stderr, and in JSON objects as "warnings".
	warnings []render.Warning
	// net is the loaded network, for suggestions when a name is not found.
	net *model.Network
	// style is how text output looks (colour only on a terminal without NO_COLOR).
	style render.Style
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
	fs.Var(&c.plans, "plan", "what-if output or a terraform show -json plan to apply before answering (repeatable)")
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

// helpError carries the text of CMD --help, which run prints on standard output with exit 0.
type helpError struct{ text string }

func (e *helpError) Error() string { return e.text }

// parse parses args and validates the common flags. -h or --help is a *helpError.
func parse(fs *flag.FlagSet, c *common, args []string, formats ...string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpError{commandHelp(fs)}
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

// flagHelp lists the flags, one a line with its default when it has one; an alias ("same as
// -s") follows the flag it names.
func flagHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		dash := "-"
		if len(f.Name) > 1 {
			dash = "--"
		}
		line := fmt.Sprintf("  %-18s %s", dash+f.Name, f.Usage)
		if d := f.DefValue; d != "" && d != "false" && d != "[]" && !strings.HasPrefix(f.Usage, "same as") &&
			!strings.Contains(f.Usage, "(default") {
			line += " (default " + d + ")"
		}
		b.WriteString(line + "\n")
	})
	return b.String()
}

// commandHelp is CMD --help: the usage line, the flags with their defaults and an example.
func commandHelp(fs *flag.FlagSet) string {
	h := helpOf(fs.Name())
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n", h.usage)
	if h.about != "" {
		b.WriteString("\n" + render.Wrap(h.about, "", ""))
	}
	fmt.Fprintf(&b, "\nflags:\n%s", flagHelp(fs))
	if h.example != "" {
		fmt.Fprintf(&b, "\nexample:\n  %s\n", h.example)
	}
	return b.String()
}

// snapshot loads the snapshot the flags name and computes its data plane. Files skipped by
// --skip-invalid, files that held nothing to read and dangling references are reported by every
// command (cli.md Contract 0.2): summary lists them in its warnings; the other commands write
// them to standard error, one line each, and add them to JSON objects (writeJSON).
func (c *common) snapshot(ctx context.Context, stdin io.Reader) (*ask.Snapshot, error) {
	in, _ := stdin.(*cliInput)
	if in != nil {
		stdin = in.Reader
	}
	prepareHeap(c.snapshots)
	s, err := azure.Load(c.snapshots, azure.Options{SkipInvalid: c.skipInvalid, Stdin: stdin, MaxFileSize: int64(c.maxFileSize), Parsed: c.parsed})
	if err != nil {
		return nil, err
	}
	if c.planned, err = plan.ApplyFiles(s, c.plans, int64(c.maxFileSize)); err != nil {
		return nil, err
	}
	for _, ov := range c.planned {
		for _, w := range ov.Warnings {
			c.warnings = append(c.warnings, render.Warning{Code: w.Code, Resource: w.Resource, Message: w.Message})
			if in != nil && c.name != "summary" {
				fmt.Fprintf(in.stderr, "vnetdoctor: warning: [%s] %s\n", w.Code, w.Message)
			}
		}
	}
	n, err := convert.Convert(s)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.net = n
	for _, w := range n.Warnings {
		// What the snapshot lacks or holds wrongly reaches every command (issues 9 and 10): files
		// skipped, dangling references, values Azure would refuse.
		if w.Code != "Skipped" && w.Code != "Ignored" && w.Code != model.WarnDanglingReference && w.Code != "InvalidValue" {
			continue
		}
		c.warnings = append(c.warnings, render.Warning{Code: w.Code, Resource: string(w.Resource), Message: w.Message})
		if in != nil && c.name != "summary" {
			fmt.Fprintf(in.stderr, "vnetdoctor: warning: [%s] %s\n", w.Code, w.Message)
		}
	}
	if in != nil {
		c.style.Color = colorOn(in.stdout)
	}
	return ask.NewSnapshot(n), nil
}

// writeJSON writes v as the command's JSON answer, with the snapshot's warnings added when v is
// an object (cli.md "Every command").
func (c *common) writeJSON(w io.Writer, v any) error {
	return render.JSONWithWarnings(w, v, c.warnings)
}

// colorOn reports whether text output to w may use colour: w is a terminal, NO_COLOR is unset
// (no-color.org) and TERM is not dumb.
func colorOn(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// cliInput is standard input as run passes it to a command, carrying standard error for the
// warnings of snapshot and standard output to decide on colour (the commands' signature has
// neither).
type cliInput struct {
	io.Reader
	stderr, stdout io.Writer
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
