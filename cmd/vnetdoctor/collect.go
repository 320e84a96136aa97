package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/vnetdoctor/vnetdoctor/internal/collect"
)

// runCollect is `vnetdoctor collect` (cli.md "collect"): exit 0 complete, 4 written but
// incomplete (the gaps on stderr and in manifest.json), 2 nothing written.
func runCollect(args []string, stdin io.Reader, stdout io.Writer) error {
	stderr := io.Discard
	if in, ok := stdin.(*cliInput); ok {
		stderr = in.stderr
	}
	var subs, effective listFlag
	var mg, out, endpoint, tokenFile string
	var force bool
	var sample, parallel int
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&subs, "subscription", "subscription ID to read (repeatable)")
	fs.StringVar(&mg, "management-group", "", "management group ID to read (every subscription under it)")
	fs.StringVar(&out, "out", "", "directory to write (built beside it and renamed at the end)")
	fs.BoolVar(&force, "force", false, "replace an existing --out directory")
	fs.Var(&effective, "effective", "NIC name or ID whose effective routes and NSG Azure is asked for (repeatable)")
	fs.IntVar(&sample, "effective-sample", 0, "ask Azure for the effective routes and NSG of N NICs sampled across VNets and subnets")
	fs.StringVar(&endpoint, "arm-endpoint", collect.PublicARM, "Resource Manager endpoint (plain http only for a loopback host)")
	fs.StringVar(&tokenFile, "token-file", "", "access token as `az account get-access-token -o json` prints it (default: the Azure SDK's credential chain)")
	fs.IntVar(&parallel, "parallel", 4, "queries in flight at once")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &helpError{commandHelp(fs)}
		}
		return usagef("collect: %v", err)
	}
	// --effective NIC NIC ...: arguments after the flags are more NICs for --effective.
	if fs.NArg() > 0 {
		if len(effective) == 0 {
			return usagef("collect: unexpected argument %q", fs.Arg(0))
		}
		effective = append(effective, fs.Args()...)
	}
	if parallel < 1 {
		return usagef("collect: --parallel %d: must be at least 1", parallel)
	}
	cred, err := credential(tokenFile)
	if err != nil {
		return usagef("collect: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt := collect.Options{Subscriptions: splitList(subs), ManagementGroup: mg, Out: out, Force: force,
		Effective: splitList(effective), EffectiveSample: sample, Endpoint: endpoint, Credential: cred,
		Parallel: parallel, Version: strings.TrimPrefix(versionLine(), "vnetdoctor ")}
	if isTerminal(stderr) {
		opt.Progress = stderr
	}
	m, err := collect.Run(ctx, opt)
	if err != nil {
		return usagef("collect: %v", err)
	}
	fmt.Fprintf(stdout, "collected %d files, %d rows from %d subscriptions in %d requests (%d throttled) into %s\n",
		len(m.Files), m.Rows, m.Subscriptions, m.Requests, m.Throttled, out)
	if m.Complete() {
		return nil
	}
	for _, line := range m.ErrorLines() {
		fmt.Fprintf(stderr, "vnetdoctor: collect: incomplete: %s\n", line)
	}
	return &exitError{4}
}

// credential is the token file's static token, or the Azure SDK's default chain
// (environment, workload and managed identity, Azure CLI login).
func credential(tokenFile string) (azcore.TokenCredential, error) {
	if tokenFile != "" {
		return collect.LoadTokenFile(tokenFile, time.Now())
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("no credential: %v (log in with az login, or give --token-file)", err)
	}
	return cred, nil
}

// splitList also accepts comma-separated values.
func splitList(l listFlag) []string {
	var out []string
	for _, v := range l {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
