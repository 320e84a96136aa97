package compare

import (
	"context"
	"math"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// Report is the compare command's JSON answer (cli.md Contract 0.2 "compare").
type Report struct {
	NICs    []NICResult `json:"nics"`
	Summary Summary     `json:"summary"`
}

// NICResult is one NIC's comparison. Routes or Rules is nil when Azure's answer for it was not
// given.
type NICResult struct {
	NIC    string          `json:"nic"`
	ID     string          `json:"id"`
	Subnet string          `json:"subnet"`
	Routes *Side[RouteRow] `json:"routes"`
	Rules  *Side[RuleRow]  `json:"rules"`
	Files  []string        `json:"files"` // Azure's answers read
}

// Summary counts NICs whose tables match and rows over all NICs. Fidelity is the share of
// rows both sides list among all rows either lists (matched / (matched + missing + extra)),
// over routes and rules together; 1 when nothing was compared.
type Summary struct {
	NICs           int       `json:"nics"`
	RoutesMatched  int       `json:"routesMatched"` // NICs whose routes match
	RulesMatched   int       `json:"rulesMatched"`  // NICs whose rules match
	RoutesCompared int       `json:"routesCompared"`
	RulesCompared  int       `json:"rulesCompared"`
	RouteRows      RowCounts `json:"routeRows"`
	RuleRows       RowCounts `json:"ruleRows"`
	Fidelity       float64   `json:"fidelity"`
}

// RowCounts adds up rows over NICs.
type RowCounts struct {
	Azure    int     `json:"azure"`
	Computed int     `json:"vnetdoctor"`
	Matched  int     `json:"matched"`
	Missing  int     `json:"missing"`
	Extra    int     `json:"extra"`
	Ignored  int     `json:"ignored"`
	Fidelity float64 `json:"fidelity"`
}

// Input is Azure's answers for one NIC: Ref is anything --nic takes; Routes and NSGs may be nil.
type Input struct {
	Ref    string
	Routes *Answer
	NSGs   *Answer
}

// NIC compares one NIC's computed tables (ask.Routes and ask.Rules, the routes and rules
// commands' answers) with Azure's. A reference that names no NIC, or a NIC without a subnet, is
// the error ask returns.
func NIC(ctx context.Context, s *ask.Snapshot, in Input, opts ask.Options) (*NICResult, error) {
	ra, err := ask.Routes(ctx, s, ask.RoutesQuery{NIC: in.Ref}, opts)
	if err != nil {
		return nil, err
	}
	res := &NICResult{NIC: ra.NIC.Name, ID: string(ra.NIC.ID), Subnet: ra.Subnet.Name, Files: []string{}}
	if ra.Subnet.VNet != nil {
		res.Subnet = ra.Subnet.VNet.Name + "/" + ra.Subnet.Name
	}
	if in.Routes != nil {
		side := CompareRoutes(in.Routes.Routes, FromRendered(render.Routes(ra.Routes, ra.DisableBGPPropagation)))
		res.Routes = &side
		res.Files = append(res.Files, in.Routes.File)
	}
	if in.NSGs != nil {
		rl, err := ask.Rules(ctx, s, ask.RulesQuery{NIC: string(ra.NIC.ID)}, opts)
		if err != nil {
			return nil, err
		}
		side := CompareRules(in.NSGs.NSGs, FromListing(rl.NSGs))
		res.Rules = &side
		res.Files = append(res.Files, in.NSGs.File)
	}
	return res, nil
}

// Summarise adds up the NICs' comparisons.
func Summarise(nics []NICResult) Summary {
	s := Summary{NICs: len(nics)}
	for _, n := range nics {
		if r := n.Routes; r != nil {
			s.RoutesCompared++
			if r.Match {
				s.RoutesMatched++
			}
			s.RouteRows.add(r.Azure, r.Computed, r.Matched, len(r.Missing), len(r.Extra), len(r.Ignored))
		}
		if r := n.Rules; r != nil {
			s.RulesCompared++
			if r.Match {
				s.RulesMatched++
			}
			s.RuleRows.add(r.Azure, r.Computed, r.Matched, len(r.Missing), len(r.Extra), len(r.Ignored))
		}
	}
	s.RouteRows.Fidelity = fidelity(s.RouteRows.Matched, s.RouteRows.Missing+s.RouteRows.Extra)
	s.RuleRows.Fidelity = fidelity(s.RuleRows.Matched, s.RuleRows.Missing+s.RuleRows.Extra)
	s.Fidelity = fidelity(s.RouteRows.Matched+s.RuleRows.Matched,
		s.RouteRows.Missing+s.RouteRows.Extra+s.RuleRows.Missing+s.RuleRows.Extra)
	return s
}

func (c *RowCounts) add(azure, computed, matched, missing, extra, ignored int) {
	c.Azure += azure
	c.Computed += computed
	c.Matched += matched
	c.Missing += missing
	c.Extra += extra
	c.Ignored += ignored
}

// fidelity is matched / (matched + unmatched), rounded to four places; 1 when both are 0.
func fidelity(matched, unmatched int) float64 {
	if matched+unmatched == 0 {
		return 1
	}
	return math.Round(float64(matched)/float64(matched+unmatched)*1e4) / 1e4
}

// Differs reports whether any compared table differs.
func (r *Report) Differs() bool {
	for _, n := range r.NICs {
		if n.Routes != nil && !n.Routes.Match || n.Rules != nil && !n.Rules.Match {
			return true
		}
	}
	return false
}

// All compares each input as NIC does, GOMAXPROCS at a time (ask's questions only read the
// snapshot); results[i] or errs[i] answers ins[i].
func All(ctx context.Context, s *ask.Snapshot, ins []Input, opts ask.Options) (results []*NICResult, errs []error) {
	results, errs = make([]*NICResult, len(ins)), make([]error, len(ins))
	parallel(len(ins), func(i int) { results[i], errs[i] = NIC(ctx, s, ins[i], opts) })
	return results, errs
}
