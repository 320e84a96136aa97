package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/verify"
)

func runVerify(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var file string
	var failOn bool
	fs := newFlagSet("verify", &c)
	fs.StringVar(&file, "intents", "", "the intents file: YAML or JSON, a list of {name, from, to, protocol, ports, expect}")
	fs.BoolVar(&failOn, "fail-on-violation", false, "exit 3 when an intent does not hold (violated or unknown)")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if file == "" {
		return usagef("verify: --intents FILE is required")
	}
	intents, err := readIntents(file, int64(c.maxFileSize))
	if err != nil {
		return err
	}
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Verify(ctx, snap, intents, c.options())
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		err = c.writeJSON(stdout, a)
	} else {
		err = verifyText(stdout, a)
	}
	if err != nil {
		return err
	}
	if failOn && a.Holds < len(a.Intents) {
		return &exitError{code: 3}
	}
	return nil
}

// readIntents reads and parses the intents file; every problem is bad input (exit 2).
func readIntents(file string, limit int64) ([]verify.Intent, error) {
	st, err := os.Stat(file)
	switch {
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, usagef("verify: --intents %s: %v", file, err)
	case !st.Mode().IsRegular():
		return nil, usagef("verify: --intents %s: not a regular file", file)
	case st.Size() > limit:
		return nil, usagef("verify: --intents %s: %s is larger than --max-file-size", file, azure.FormatSize(st.Size()))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usagef("verify: --intents %s: %v", file, err)
	}
	intents, err := verify.Parse(file, data)
	if err != nil {
		return nil, usagef("verify: %v", err)
	}
	return intents, nil
}

func verifyText(w io.Writer, a *ask.VerifyAnswer) error {
	for _, r := range a.Intents {
		mark := map[verify.Outcome]string{verify.Holds: "ok  ", verify.Violated: "FAIL", verify.Unknown: "??  "}[r.Result]
		fmt.Fprintf(w, "%s %s: %s (%s, %d classes)\n", mark, r.Name, r.Result, r.Expect, r.Classes)
		if x := r.Counterexample; x != nil {
			fmt.Fprintf(w, "     counterexample: vnetdoctor trace --from %s --to %s --proto %s", x.From, x.To, x.Protocol)
			if x.DestinationPort != 0 {
				fmt.Fprintf(w, " --dport %d", x.DestinationPort)
			}
			fmt.Fprintf(w, " -> %s", x.Verdict)
			if d := x.Deciding; d != nil && d.Rule != "" {
				fmt.Fprintf(w, " (%s %s)", d.Step, d.Rule)
			}
			fmt.Fprintln(w)
		}
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "     not evaluated: %s\n", s)
		}
	}
	fmt.Fprintf(w, "%d of %d intents hold, %d violated, %d unknown\n", a.Holds, len(a.Intents), a.Violated, a.Unknown)
	return nil
}
