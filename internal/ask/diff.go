package ask

import (
	"context"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
)

// DiffAnswer is what changed from one snapshot to another (cli.md "diff"): resources, each
// subnet's effective routes, and the findings of check new and resolved (by fingerprint).
type DiffAnswer struct {
	Resources diff.Resources      `json:"resources"`
	Routes    []diff.SubnetRoutes `json:"routes"`
	// Reachability is every flow whose verdict changed, in rows (cli.md "diff"); only the flows
	// the change may touch are recomputed (ReachStats says which).
	Reachability []ReachChange  `json:"reachability"`
	ReachStats   ReachDiffStats `json:"reachabilityScope"`
	Findings     FindingsDiff   `json:"findings"`
}

// FindingsDiff are the findings only the after snapshot has (new) and only the before one has
// (resolved).
type FindingsDiff struct {
	New      []check.Finding `json:"new"`
	Resolved []check.Finding `json:"resolved"`
}

// Diff answers `vnetdoctor diff`: before and after are the loaded snapshots, beforeDocs and
// afterDocs their resource objects as read (diff.ReadDocs).
func Diff(ctx context.Context, before, after *Snapshot, beforeDocs, afterDocs diff.Docs, opts Options) (*DiffAnswer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &DiffAnswer{Resources: diff.CompareResources(beforeDocs, afterDocs), Routes: diff.CompareRoutes(before.Plane, after.Plane)}
	sc := scopeOf(a.Resources, a.Routes, before.Plane.Net, after.Plane.Net)
	var err error
	if a.Reachability, a.ReachStats, err = diffReach(ctx, before, after, sc, opts); err != nil {
		return nil, err
	}
	fb, err := Check(ctx, before, CheckQuery{}, opts)
	if err != nil {
		return nil, err
	}
	fa, err := Check(ctx, after, CheckQuery{}, opts)
	if err != nil {
		return nil, err
	}
	a.Findings = FindingsDiff{New: minusFindings(fa, fb), Resolved: minusFindings(fb, fa)}
	return a, nil
}

// minusFindings is the findings of a whose fingerprint b lacks, in a's order.
func minusFindings(a, b []check.Finding) []check.Finding {
	seen := map[string]bool{}
	for _, f := range b {
		seen[f.Fingerprint] = true
	}
	out := []check.Finding{}
	for _, f := range a {
		if !seen[f.Fingerprint] {
			out = append(out, f)
		}
	}
	return out
}
