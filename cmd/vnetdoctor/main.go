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
		{"check", "findings: what is broken or risky", runCheck},
		{"resolve", "how a VM resolves a name: DNS servers, proxies, zones, rulesets, network legs", runResolve},
		{"serve", "the web UI and the JSON API (read-only; loopback unless --token)", runServe},
		{"version", "print the version", func([]string, io.Reader, io.Writer) error {
			fmt.Println("vnetdoctor", version)
			return nil
		}},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command and maps its outcome to an exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = internalError(stderr, fmt.Sprint(r), debug.Stack())
		}
	}()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(args[1:], &cliInput{stdin, stderr}, stdout), stderr)
		}
	}
	fmt.Fprintf(stderr, "vnetdoctor: unknown command %q (try vnetdoctor help)\n", args[0])
	return 2
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
	fmt.Fprintln(w, "\nrun 'vnetdoctor <command> -h' for the flags of a command")
}
