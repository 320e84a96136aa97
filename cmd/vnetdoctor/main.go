// Command vnetdoctor is an offline digital twin and troubleshooter for Azure virtual networks.
//
// Every subcommand is a thin driver: it parses flags, loads the snapshot, asks one question of
// the engine and renders the answer. Exit codes follow cli.md: 0 ran, 2 bad usage or input,
// 1 internal error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError marks a problem with the command line or the input (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

type command struct {
	name, synopsis string
	run            func(args []string, stdin io.Reader, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"summary", "counts per resource type, unknown types, dangling references, warnings", runSummary},
		{"routes", "a NIC's effective routes", runRoutes},
		{"rules", "a NIC's effective security rules", runRules},
		{"trace", "the path of one flow, both ways", runTrace},
		{"reach", "who can reach an endpoint, or what it can reach, over every address and port", runReach},
		{"diff", "what changed between two snapshots: resources, effective routes, findings", runDiff},
		{"compare", "computed effective routes and rules against Azure's own answers (live/ or --actual)", runCompare},
		{"verify", "check intents (reachable, unreachable, through a firewall) over every address and port", runVerify},
		{"check", "findings: what is broken or risky", runCheck},
		{"resolve", "how a VM resolves a name: DNS servers, proxies, zones, rulesets, network legs", runResolve},
		{"serve", "the web UI and the JSON API (read-only; loopback unless --token)", runServe},
		{"collect", "read an estate from Azure (Resource Graph, REST) into a snapshot directory", runCollect},
		{"flows", "observed flows from flow and firewall logs: ingest, explain", runFlows},
		{"version", "print the version, commit and build date", func(_ []string, _ io.Reader, stdout io.Writer) error {
			fmt.Fprintln(stdout, versionLine())
			return nil
		}},
	}
}

func main() {
	if len(os.Args) > 1 {
		tuneGC(os.Args[1], os.Getenv("GOGC"))
		hugePagesOn = os.Args[1] != "serve"
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// oneShotGC is the garbage collector's target for a command that loads a snapshot, answers and
// exits. Its heap is mostly the snapshot, live until the end: at the default 100 the collector
// marks it again each time the heap doubles, for little garbage. On the 10,000-NIC estate (two
// cores, five runs each) 200 took `diff` of one NSG rule from 2.06–2.40 s to 1.85–2.17 s and
// `check` from 0.99–1.08 s to 0.96–0.97 s, for 10–20% more peak memory; 300 and more gained
// nothing, as the page faults of a larger heap cost what the collector saved.
const oneShotGC = 200

// tuneGC sets oneShotGC for every command but serve (a server keeps its heap for hours), unless
// the user chose with GOGC.
func tuneGC(cmd, env string) {
	if env == "" && cmd != "serve" {
		debug.SetGCPercent(oneShotGC)
	}
}

// run executes one command and maps its outcome to an exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = internalError(stderr, fmt.Sprint(r), debug.Stack())
		}
	}()
	switch {
	case len(args) == 0:
		printUsage(stderr)
		return 2
	case args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" && len(args) == 1:
		printUsage(stdout)
		return 0
	case args[0] == "help":
		args = []string{args[1], "--help"} // vnetdoctor help CMD
	case args[0] == "--version" || args[0] == "-version" || args[0] == "-V":
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(args[1:], &cliInput{Reader: stdin, stderr: stderr, stdout: stdout}, stdout)
			var he *helpError
			if errors.As(err, &he) {
				fmt.Fprint(stdout, he.text)
				return 0
			}
			return exitCode(err, stderr)
		}
		names = append(names, c.name)
	}
	fmt.Fprintf(stderr, "vnetdoctor: unknown command %q%s (try vnetdoctor help)\n", args[0], didYouMean(args[0], names))
	return 2
}

// versionLine is "vnetdoctor <version> (<commit>, <build date>)" from the build info (cli.md
// "Every command"): the module version when built by go install, the VCS revision and time when
// built from a checkout ("unknown" when the build recorded none, as with -buildvcs=false).
func versionLine() string {
	v, commit, date := version, "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			case "vcs.time":
				date = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && commit != "unknown" {
			commit += "-dirty"
		}
	}
	return fmt.Sprintf("vnetdoctor %s (%s, %s)", v, commit, date)
}

// exitError carries a chosen exit code without a message (check --fail-on).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var ee *exitError
	var pe *azure.PanicError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &pe):
		return internalError(stderr, pe.Error(), pe.Stack)
	case errors.As(err, &ue) || isInputError(err):
		fmt.Fprintf(stderr, "vnetdoctor: %v\n", err)
		return 2
	}
	return internalError(stderr, err.Error(), nil)
}

// internalError reports a bug (a panic, an error that is not bad input) on one line and
// returns exit code 1 (cli.md): never 2, which means bad input. The stack, when there is one,
// follows only with VNETDOCTOR_DEBUG=1.
func internalError(stderr io.Writer, msg string, stack []byte) int {
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	fmt.Fprintf(stderr, "vnetdoctor: internal error: %s, please report\n", msg)
	if os.Getenv("VNETDOCTOR_DEBUG") == "1" && len(stack) > 0 {
		stderr.Write(stack)
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: vnetdoctor <command> -s SNAPSHOT [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.synopsis)
	}
	fmt.Fprintln(w, "\nexample:\n  vnetdoctor check -s examples/hub-spoke")
	fmt.Fprintln(w, "\nrun 'vnetdoctor <command> -h' for the flags of a command; 'vnetdoctor --version' for the version")
}

// help is the usage line, a paragraph and an example of one command (CMD --help).
type help struct{ usage, about, example string }

func helpOf(name string) help {
	const snap = "SNAPSHOT is a file, a directory (read recursively) or - for standard input; -s may repeat."
	switch name {
	case "summary":
		return help{"vnetdoctor summary -s SNAPSHOT [-o text|json]",
			"What the snapshot holds: resources per type, types not modelled, dangling references (zero means the export is complete) and warnings. " + snap,
			"vnetdoctor summary -s examples/hub-spoke"}
	case "routes":
		return help{"vnetdoctor routes -s SNAPSHOT (--nic NIC | --subnet VNET/SUBNET) [-o text|json]",
			"Effective routes of a NIC's subnet, or of any subnet (GatewaySubnet and AzureFirewallSubnet included), as az network nic show-effective-route-table prints them. NIC is a NIC name or ID, a VM name or a private IP. " + snap,
			"vnetdoctor routes -s examples/hub-spoke --nic vm-app1"}
	case "rules":
		return help{"vnetdoctor rules -s SNAPSHOT (--nic NIC | --subnet VNET/SUBNET) [-o text|json]",
			"Effective security rules (security admin rules, subnet NSG, NIC NSG), as az network nic list-effective-nsg prints them. " + snap,
			"vnetdoctor rules -s examples/hub-spoke --subnet vnet-hub/snet-dns"}
	case "trace":
		return help{"vnetdoctor trace -s SNAPSHOT --from SRC --to DST [--proto tcp|udp|icmp] [--dport N] [--sport N] [--fqdn NAME] [-o text|json]",
			"The path of one flow and its reply, hop by hop, with the rule or route that decided each step. SRC and DST: a VM, NIC, private endpoint, firewall, load balancer or public IP name or ID, a private IP, internet:<public ip>, or an on-premises IP. " + snap,
			"vnetdoctor trace -s examples/hub-spoke --from vm-app1 --to pe-sql-data --dport 1433"}
	case "reach":
		return help{"vnetdoctor reach -s SNAPSHOT (--to DST | --from SRC) [--proto tcp,udp,icmp] [--dport N|N-M|N,M] [--all] [-o text|json]",
			"Every source that can reach DST, or every destination SRC can reach, over all addresses and ports, not a sample: the address and port space is cut into classes every route and rule treats alike, and one traced packet per class proves it. Rows group a subnet's (or Internet's, OnPremises') addresses with the same verdict on the same ports, each with a trace that shows it. DST and SRC take the forms of trace plus VNET/SUBNET and prefixes. " + snap,
			"vnetdoctor reach -s examples/hub-spoke --to vm-jump --dport 22,3389 --proto tcp"}
	case "diff":
		return help{"vnetdoctor diff -s BEFORE --after AFTER [-o text|json]",
			"What changed from BEFORE to AFTER: resources added, removed and changed (with the JSON paths that differ), each subnet's effective routes added and removed, and the findings of check that are new or resolved. --after takes the forms of -s and may repeat; standard input is not read. " + snap,
			"vnetdoctor diff -s before/ --after after/"}
	case "verify":
		return help{"vnetdoctor verify -s SNAPSHOT --intents FILE [--fail-on-violation] [-o text|json]",
			"Checks each intent of FILE (YAML or JSON: a list of {name, from, to, protocol, ports, expect}, expect reachable, unreachable or through:<resource>) over every address and port it names, not a sample; an intent that does not hold comes with a counterexample trace. from and to take the forms of trace plus VNET/SUBNET, prefixes, Internet and OnPremises. Exit 3 with --fail-on-violation when an intent does not hold. " + snap,
			"vnetdoctor verify -s examples/hub-spoke --intents intents.yaml --fail-on-violation"}
	case "compare":
		return help{"vnetdoctor compare -s SNAPSHOT [--nic NIC] [--actual FILE] [--fail-on-diff] [-o text|json]",
			"Each NIC's effective routes and security rules as vnetdoctor computes them, against Azure's own answers: live/effective-routes/<nic>.json and live/effective-nsg/<nic>.json in a collected snapshot, or one file (az network nic show-effective-route-table or list-effective-nsg output, or the REST answer) given with --actual and --nic. Rows are normalised as az prints them; missing rows are Azure's that vnetdoctor lacks, extra rows vnetdoctor's that Azure lacks. Exit 3 with --fail-on-diff when anything differs. " + snap,
			"vnetdoctor compare -s estate --actual nic1-routes.json --nic nic1"}
	case "check":
		return help{"vnetdoctor check -s SNAPSHOT [--severity S] [--code CODE]... [--exclude CODE]... [--baseline FILE] [--fail-on error|warning] [-o text|json|sarif]",
			"Findings: what is broken or risky, without a query. Exit 3 with --fail-on when a finding shown is at least that severe. " + snap,
			"vnetdoctor check -s examples/hub-spoke --severity warning -o sarif > findings.sarif"}
	case "resolve":
		return help{"vnetdoctor resolve -s SNAPSHOT --from VM NAME [-o text|json]",
			"How VM resolves NAME: its DNS servers, DNS proxies, private zones, forwarding rulesets and the network legs the queries take. " + snap,
			"vnetdoctor resolve -s examples/hub-spoke --from vm-app1 stdataprod001.blob.core.windows.net"}
	case "collect":
		return help{"vnetdoctor collect (--subscription ID ... | --management-group ID) --out DIR [--force] [--effective NIC ... | --effective-sample N] [--arm-endpoint URL] [--token-file FILE] [--parallel N]",
			"Reads the estate from Azure Resource Graph (and REST for what it lacks) into DIR, a snapshot every command reads, with manifest.json saying what was read, when, in how many requests, and what failed. Credentials: --token-file, else the Azure SDK's chain (environment, managed identity, az login); Reader is enough, --effective also needs the effectiveRouteTable and effectiveNetworkSecurityGroups actions (docs/collect.md). Exit 0 complete, 4 written but incomplete (gaps listed), 2 nothing written.",
			"vnetdoctor collect --subscription 00000000-0000-0000-0000-000000000001 --out estate"}
	case "serve":
		return help{"vnetdoctor serve -s SNAPSHOT [--addr 127.0.0.1:8080] [--token T]",
			"The web UI at / and the CLI's JSON under /api/, read-only. " + snap,
			"vnetdoctor serve -s examples/hub-spoke"}
	}
	return help{usage: "vnetdoctor " + name + " [flags]"}
}
