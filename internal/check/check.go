// Package check finds what is broken or risky in a snapshot without being asked: each check is a
// plain value in a registry that reads the data plane and returns structured findings.
package check

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Severity ranks a finding. Higher is worse; the zero value is not a valid severity.
type Severity uint8

const (
	Info    Severity = iota + 1 // a fact worth knowing (capacity, cost)
	Warning                     // risky or wasteful, works today
	Error                       // broken: some traffic fails or a limit is exceeded
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "Info"
	case Warning:
		return "Warning"
	case Error:
		return "Error"
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// ParseSeverity reads "error", "warning" or "info" case-insensitively.
func ParseSeverity(s string) (Severity, bool) {
	for _, v := range []Severity{Info, Warning, Error} {
		if strings.EqualFold(v.String(), s) {
			return v, true
		}
	}
	return 0, false
}

// MarshalJSON writes the severity as cli.md spells it: "Error", "Warning" or "Info".
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, ok := ParseSeverity(str)
	if !ok {
		return fmt.Errorf("unknown severity %q", str)
	}
	*s = v
	return nil
}

// Finding is one problem or fact, shaped as cli.md "check" says. Evidence keys per code are
// part of the public contract (cli.md table); checks may add keys, never rename them.
type Finding struct {
	Code      Code           `json:"code"`
	Severity  Severity       `json:"severity"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	Resources []string       `json:"resources"`
	Evidence  map[string]any `json:"evidence"`
	Fix       string         `json:"fix"`
	// Fingerprint identifies the finding across runs (Fingerprint); RunOne sets it.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Check is one diagnostic: a code (stable, used by pipelines), the evidence keys its findings
// promise, a one-line doc and a run function that reads the pass (data plane and options) and
// never modifies it.
type Check struct {
	Name string // kebab-case, for people
	Code Code   // the findings' code, e.g. AddressSpaceOverlap (cli.md)
	// Evidence are the evidence keys cli.md fixes for Code: every finding carries them, and
	// renderers show them. Findings may carry more keys (cli.md: "as useful").
	Evidence []string
	Doc      string // one sentence: what it looks for
	Run      func(*Pass) []Finding
	// Local, when set, is Run that may leave out the findings of resources changed does not
	// report (by top-level resource ID). A check sets it for findings each about one resource
	// and worked out from that resource's own document alone, in no order the document sets
	// (the resource comparison matches list items by name: a reorder is no change). Two
	// snapshots' such findings differ only for resources whose documents differ, so diff runs
	// the check narrowed to those (Narrowed).
	Local func(pass *Pass, changed func(model.ID) bool) []Finding
}

// Narrowed is cs with each check that has Local run over the resources changed reports only:
// for comparing two snapshots' findings, where what it leaves out is the same on both sides.
func Narrowed(cs []Check, changed func(model.ID) bool) []Check {
	out := slices.Clone(cs)
	for i, c := range out {
		if local := c.Local; local != nil {
			out[i].Run = func(p *Pass) []Finding { return local(p, changed) }
		}
	}
	return out
}

// Registry returns every check, ordered by code. The slice is a copy.
func Registry() []Check {
	out := append([]Check(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Lookup returns the registered check with code c.
func Lookup(c Code) (Check, bool) {
	for _, x := range registry {
		if x.Code == c {
			return x, true
		}
	}
	return Check{}, false
}

// registry lists the checks; each lives in its own file.
var registry = []Check{
	addressSpaceOverlap,
	netAppBasicIPLimit,
	peeringNotConnected,
	forwardedTrafficBlocked,
	snatCapacity,
	privateEndpointCost,
	gatewaySubnetMisconfigured,
	limitExceeded,
	nextHopUnreachable,
	nextHopIPForwardingDisabled,
	reservedPortInUse,
	defaultOutboundReliance,
	shadowedRule,
	routeBlackhole,
	routingLoop,
	dnsProxyUpstreamBlocked,
	dnatTargetBlocked,
	internetExposedManagementPort,
	asymmetricReturn,
	privateEndpointResolvesPublic,
	privateDNSZoneNotLinked,
	privateDNSRecordMismatch,
	virtualWanRouting, // vwan.go
}

// Run runs every check on p with opts and returns the findings in a deterministic order (Sort).
// It stops between checks when ctx is done and returns ctx.Err(). Run only reads p, so calls
// with different options may share one data plane concurrently.
func Run(ctx context.Context, p *dataplane.Plane, opts Options) ([]Finding, error) {
	return RunChecks(ctx, Registry(), p, opts)
}

// RunChecks runs the given checks, GOMAXPROCS at a time (the data plane is safe for concurrent
// use, and on an estate a few checks take most of the time), stopping with ctx.Err() when ctx is
// done, and returns their findings in a deterministic order (Sort).
func RunChecks(ctx context.Context, cs []Check, p *dataplane.Plane, opts Options) ([]Finding, error) {
	found := make([][]Finding, len(cs))
	sh := &shared{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cs)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(cs) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				found[i] = runOne(cs[i], &Pass{Context: ctx, Plane: p, Options: opts, shared: sh})
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all []Finding
	for _, fs := range found {
		all = append(all, fs...)
	}
	Sort(all)
	return all, nil
}

// RunOne runs one check. A check that panics (a bug, or an engine package that is not built yet)
// yields a single CheckFailed warning instead of taking the other checks down with it.
func RunOne(ctx context.Context, c Check, p *dataplane.Plane, opts Options) []Finding {
	return runOne(c, &Pass{Context: ctx, Plane: p, Options: opts})
}

func runOne(c Check, pass *Pass) (fs []Finding) {
	defer func() {
		if r := recover(); r != nil {
			fs = []Finding{{Code: CodeCheckFailed, Severity: Warning, Title: "Check " + string(c.Code) + " could not run",
				Message:  fmt.Sprintf("the %s check stopped with an internal error: %v", c.Code, r),
				Evidence: map[string]any{"check": string(c.Code)}, Resources: []string{},
				Fix: "report this as a vnetdoctor bug with the snapshot"}}
			fs[0].Fingerprint = Fingerprint(fs[0])
		}
	}()
	fs = c.Run(pass)
	for i := range fs {
		normalize(&fs[i])
	}
	return fs
}

// normalize gives nil collections their empty JSON form and sets the fingerprint.
func normalize(f *Finding) {
	if f.Resources == nil {
		f.Resources = []string{}
	}
	if f.Evidence == nil {
		f.Evidence = map[string]any{}
	}
	if f.Fingerprint == "" {
		f.Fingerprint = Fingerprint(*f)
	}
}

// Sort orders findings by severity (worst first), code, then resources.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if c := compareStrings(a.Resources, b.Resources); c != 0 {
			return c < 0
		}
		return a.Message < b.Message
	})
}

func compareStrings(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := compareFold(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// compareFold orders a and b as their lower-case forms do, without making them: sorting
// findings compared every pair's resource IDs through strings.ToLower.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return strings.Compare(strings.ToLower(a[i:]), strings.ToLower(b[i:]))
		}
		if c := cmp.Compare(lowerASCII(x), lowerASCII(y)); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// FailOn reports whether any finding is at least as severe as level ("error" or "warning",
// case-insensitive; "info" fails on any finding). An unknown level never fails.
func FailOn(findings []Finding, level string) bool {
	min, ok := ParseSeverity(level)
	if !ok {
		return false
	}
	for _, f := range findings {
		if f.Severity >= min {
			return true
		}
	}
	return false
}
