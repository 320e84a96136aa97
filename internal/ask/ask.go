// Package ask answers the questions vnetdoctor is asked about one snapshot — summary, routes,
// rules, trace, check, resolve — as plain functions the CLI and a server share.
//
// Every question is a function of (context, snapshot, query, options) that returns a typed
// answer; rendering it as text or JSON is the caller's job (package render). Questions only
// read the snapshot, so any number may run at once on one snapshot, each with its own options.
// They check the context between expensive steps and return its error when it is done.
package ask

import (
	"context"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

// Snapshot is one loaded snapshot: the data plane computed from its network model (Plane.Net).
// It is immutable and safe for concurrent use.
type Snapshot struct {
	Plane *dataplane.Plane

	reachOnce  sync.Once
	reachModel *reach.Model
}

// ReachModel is the snapshot's reachability model, built on first use and kept: the plane does
// not change, and a server asks many questions of one snapshot (building it was most of a
// `reach` answer on the bundled estate, and could not be cancelled).
func (s *Snapshot) ReachModel() *reach.Model {
	s.reachOnce.Do(func() { s.reachModel = reach.Build(s.Plane) })
	return s.reachModel
}

// Load reads snapshot files and directories (cli.md "Snapshot input") and computes their data
// plane. Bad input is an *azure.InputError.
func Load(ctx context.Context, paths []string, opts convert.Options) (*Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n, err := convert.Load(paths, opts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return NewSnapshot(n), nil
}

// NewSnapshot computes the data plane of a network already in memory.
func NewSnapshot(n *model.Network) *Snapshot {
	return &Snapshot{Plane: dataplane.Build(n)}
}

// Options are the settings of a question. A question reads the part it needs.
type Options struct {
	Check check.Options // prices and limits of Check
	// Assume holds the --assume choices; Trace and Check follow them (Check overrides
	// Check.Assume with it), so both answer under the same behaviour.
	Assume assume.Set
}

// checkOptions is opts.Check under opts.Assume: Check and Diff run the checks so.
func (opts Options) checkOptions() check.Options {
	c := opts.Check
	c.Assume = opts.Assume
	return c
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options { return Options{Check: check.DefaultOptions()} }

// QueryError says a query cannot be answered for this snapshot (a NIC without a subnet has no
// effective routes, a name that is not a DNS name): bad input, not a failure of the engine.
type QueryError struct {
	Message string // for people
	Err     error  // the engine's error, if any
}

func (e *QueryError) Error() string { return e.Message }

func (e *QueryError) Unwrap() error { return e.Err }
