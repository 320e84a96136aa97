package ask

import (
	"cmp"
	"context"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
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
	// The reachability and both snapshots' findings are independent and run at once; the
	// before pass starts first, beside the (single-threaded) comparison of routes. Checks local
	// to a resource run over the changed resources only (check.Narrowed): their other findings
	// are the same on both sides, so the findings diff is unchanged. The after pass waits for the before pass or for the reachability, whichever ends first:
	// reach's model is built on one core, and three passes sharing two would leave it running
	// alone at the end with the other core idle.
	var fb, fa []check.Finding
	var errB, errA, err error
	var wg sync.WaitGroup
	beforeDone, reachDone := make(chan struct{}), make(chan struct{})
	a := &DiffAnswer{Resources: diff.CompareResources(beforeDocs, afterDocs)}
	checks := check.Narrowed(check.Registry(), changedIn(a.Resources))
	copts := opts.checkOptions()
	wg.Go(func() {
		defer close(beforeDone)
		fb, errB = check.RunChecks(ctx, checks, before.Plane, copts)
	})
	wg.Go(func() {
		select {
		case <-beforeDone:
		case <-reachDone:
		}
		fa, errA = check.RunChecks(ctx, checks, after.Plane, copts)
	})
	bn, an := before.Plane.Net, after.Plane.Net
	a.Routes = diff.CompareRoutesIn(before.Plane, after.Plane, routeSubnets(a.Resources, bn, an))
	sc := scopeOf(a.Resources, a.Routes, bn, an)
	a.Reachability, a.ReachStats, err = diffReach(ctx, before, after, sc, opts)
	close(reachDone)
	wg.Wait()
	if err = cmp.Or(err, errB, errA); err != nil {
		return nil, err
	}
	a.Findings = FindingsDiff{New: minusFindings(fa, fb), Resolved: minusFindings(fb, fa)}
	return a, nil
}

// changedIn reports whether a resource (by top-level ID) was added, removed or changed, a child
// of it included: the resources whose findings may differ for a check local to a resource
// (check.Narrowed).
func changedIn(res diff.Resources) func(model.ID) bool {
	keys := map[string]bool{}
	for _, id := range allIDs(res) {
		keys[strings.ToLower(rootID(id))] = true
	}
	return func(id model.ID) bool { return keys[strings.ToLower(rootID(string(id)))] }
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
