package reach

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Cell is a piece of the header space whose verdict differs between two snapshots: every packet
// between the fixed endpoint and an address of Span, with Protocol and a destination port in
// Ports, gets Before in one and After in the other.
type Cell struct {
	Fixed    Endpoint
	ToFixed  bool   // the fixed endpoint is the destination
	Label    string // the varying side's place in the after snapshot (the before one's if it has none)
	Span     Span
	Protocol model.Protocol
	Ports    model.PortRange
	Before   trace.Verdict
	After    trace.Verdict
	Example  trace.Query     // one packet of the cell, which trace reproduces on both sides
	Deciding *trace.Deciding // the after side's deciding step (the before side's when after has none)
}

// Compare runs q on both models and returns the cells whose verdict differs, over the common
// refinement of both sides' classes, fixed endpoint by fixed endpoint (CompareEach). traces counts
// the packets walked.
func Compare(ctx context.Context, before, after *Model, q Query) (cells []Cell, traces int, err error) {
	traces, err = CompareEach(ctx, before, after, q, func(_ int, cs []Cell) error {
		cells = append(cells, cs...)
		return nil
	})
	if err != nil {
		return nil, traces, err
	}
	return cells, traces, nil
}

// CompareEach compares q's answers on both models one fixed endpoint at a time: emit receives, in
// endpoint order, the cells of endpoint i whose verdict differs. A fixed endpoint or a varying
// address that exists on one side only is Unreachable on the other (trace finds no such endpoint
// there); a varying source held there by what cannot start a flow is Unknown (Model.absent).
// Each side's varying addresses are cut once for every fixed endpoint (RunMany), and the two
// sides run at once; when a side cannot take every fixed endpoint (one is missing there), the
// endpoints are asked one at a time. traces counts the packets walked. An error from emit stops
// the comparison and is returned.
func CompareEach(ctx context.Context, before, after *Model, q Query, emit func(i int, cells []Cell) error) (traces int, err error) {
	fixed, to := q.To, true
	if len(fixed) == 0 {
		fixed, to = q.From, false
	}
	if len(fixed) > 0 {
		n, done, err := compareMany(ctx, before, after, q, fixed, to, emit)
		if done || err != nil {
			return n, err
		}
	}
	for i, f := range fixed {
		one := q
		if to {
			one.To = []Endpoint{f}
		} else {
			one.From = []Endpoint{f}
		}
		cb, ca, n, err := compareOne(ctx, before, after, one)
		traces += n
		if err != nil {
			return traces, err
		}
		if err := emit(i, overlay(f, to, cb, ca, before, after)); err != nil {
			return traces, err
		}
	}
	return traces, nil
}

// compareOne runs a query of one fixed endpoint on both models: the classes of each side that
// takes the endpoint (nil for a side that does not), and an error when neither does.
func compareOne(ctx context.Context, before, after *Model, one Query) (cb, ca []Class, traces int, err error) {
	rb, errB := Run(ctx, before, one)
	ra, errA := Run(ctx, after, one)
	if errB != nil && errA != nil {
		return nil, nil, 0, errA
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, 0, err
	}
	if errB == nil {
		cb, traces = rb.Classes, traces+rb.Traces
	}
	if errA == nil {
		ca, traces = ra.Classes, traces+ra.Traces
	}
	return cb, ca, traces, nil
}

// compareMany runs q with every fixed endpoint on both models at once (RunMany), emitting each
// endpoint's cells as both sides have answered it. done is false, with nothing emitted, when a
// side rejects the query before answering any endpoint (a fixed endpoint it lacks): the caller
// then asks one endpoint at a time, as Compare always did.
func compareMany(parent context.Context, before, after *Model, q Query, fixed []Endpoint, to bool, emit func(int, []Cell) error) (traces int, done bool, err error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type side struct {
		ch   chan *Result
		done chan struct{} // the Result sent is compared: RunMany may reuse it
		err  error
	}
	sides := []*side{{ch: make(chan *Result, 1), done: make(chan struct{}, 1)}, {ch: make(chan *Result, 1), done: make(chan struct{}, 1)}}
	var wg sync.WaitGroup
	for k, m := range []*Model{before, after} {
		s := sides[k]
		wg.Go(func() {
			defer close(s.ch)
			s.err = RunMany(ctx, m, q, func(_ int, r *Result) error {
				select {
				case s.ch <- r:
				case <-ctx.Done():
					return ctx.Err()
				}
				select {
				case <-s.done:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		})
	}
	emitted := 0
	for i, f := range fixed {
		rb, ok := <-sides[0].ch
		if !ok {
			break
		}
		ra, ok := <-sides[1].ch
		if !ok {
			break
		}
		traces += rb.Traces + ra.Traces
		cells := overlay(f, to, rb.Classes, ra.Classes, before, after) // copies what it keeps
		sides[0].done <- struct{}{}
		sides[1].done <- struct{}{}
		if err = emit(i, cells); err != nil {
			break
		}
		emitted++
	}
	cancel()
	wg.Wait()
	switch {
	case err != nil:
		return traces, true, err
	case emitted == len(fixed):
		return traces, true, nil
	case parent.Err() != nil:
		return traces, true, parent.Err()
	case emitted == 0:
		return 0, false, nil // a side rejected a fixed endpoint (RunMany checks them all first)
	}
	return traces, true, cmp.Or(sides[0].err, sides[1].err, errors.New("reach: a side stopped answering"))
}

// side is one snapshot's classes of one fixed endpoint, protocol and varying reference, as runs
// of one span each, in order of span (spans are disjoint). The classes are the Result's, by
// pointer: grouping copied 152-byte classes into growing slices, which was most of what a
// large diff allocated.
type side []spanRun

type spanRun struct {
	span Span
	cs   []*Class // in the Result's order
}

// overlayKey is what parts one side's classes: the protocol, and the varying side's trace
// reference when it is a resource, not an address.
type overlayKey struct {
	proto model.Protocol
	ref   string
}

// overlay compares two class lists of one fixed endpoint.
func overlay(f Endpoint, to bool, before, after []Class, mb, ma *Model) []Cell {
	gb, ga := sides(before, to), sides(after, to)
	keys := map[overlayKey]bool{}
	for k := range gb {
		keys[k] = true
	}
	for k := range ga {
		keys[k] = true
	}
	var out []Cell
	var spans, ports []uint64 // boundary buffers, reused from key to key
	for k := range keys {
		out = append(out, overlaySide(f, to, k.proto, gb[k], ga[k], mb, ma, &spans, &ports)...)
	}
	slices.SortFunc(out, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.Span.Lo, b.Span.Lo), cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Ports.Lo, b.Ports.Lo), cmp.Compare(a.Example.From, b.Example.From))
	})
	return out
}

// sides groups one answer's classes by key, each key's as runs of one span: one slice of
// pointers, carved per key.
func sides(cs []Class, to bool) map[overlayKey]side {
	ids, keys := keyIDs(cs, to)
	start := make([]int, len(keys)+1)
	for _, id := range ids {
		start[id+1]++
	}
	for i := range keys {
		start[i+1] += start[i]
	}
	ptrs, fill := make([]*Class, len(cs)), slices.Clone(start[:len(keys)])
	for i, id := range ids {
		ptrs[fill[id]] = &cs[i]
		fill[id]++
	}
	out := make(map[overlayKey]side, len(keys))
	for i, k := range keys {
		out[k] = spanRuns(ptrs[start[i]:start[i+1]])
	}
	return out
}

// keyIDs numbers each class's key, in order of first appearance. Consecutive classes mostly
// share one, and one example reference (a job's classes are laid out together), so both are
// worked out again only when they change.
func keyIDs(cs []Class, to bool) ([]int32, []overlayKey) {
	ids := make([]int32, len(cs))
	index := map[overlayKey]int32{}
	var keys []overlayKey
	var last overlayKey
	lastID, lastRef := int32(-1), ""
	for i := range cs {
		r := varyingOf(cs[i].Example, to)
		k := overlayKey{cs[i].Protocol, last.ref}
		if lastID < 0 || r != lastRef {
			lastRef, k.ref = r, varyingRef(r)
		}
		if lastID < 0 || k != last {
			id, ok := index[k]
			if !ok {
				id = int32(len(keys))
				index[k] = id
				keys = append(keys, k)
			}
			last, lastID = k, id
		}
		ids[i] = lastID
	}
	return ids, keys
}

// spanRuns orders one key's classes by span (stably: a span's classes keep the Result's order)
// and cuts them into runs of one span.
func spanRuns(ps []*Class) side {
	byLo := func(x, y *Class) int { return cmp.Compare(x.Addrs.Lo, y.Addrs.Lo) }
	if !slices.IsSortedFunc(ps, byLo) {
		slices.SortStableFunc(ps, byLo)
	}
	var s side
	for len(ps) > 0 {
		n := 1
		for n < len(ps) && ps[n].Addrs == ps[0].Addrs {
			n++
		}
		s = append(s, spanRun{ps[0].Addrs, ps[:n:n]})
		ps = ps[n:]
	}
	return s
}

// varyingOf is how an example names the varying side.
func varyingOf(q trace.Query, to bool) string {
	if to {
		return q.From
	}
	return q.To
}

// varyingRef is a varying side's reference when it names a resource, "" for an address.
func varyingRef(ref string) string {
	if _, err := netip.ParseAddr(ref); err == nil {
		return ""
	}
	return ref
}

// overlaySide cuts the spans of both sides at each other's boundaries, then each piece's ports
// (spans and ports are buffers for the address and the port boundaries).
func overlaySide(f Endpoint, to bool, proto model.Protocol, b, a side, mb, ma *Model, spans, ports *[]uint64) []Cell {
	bounds := (*spans)[:0]
	for _, s := range []side{b, a} {
		for _, r := range s {
			bounds = append(bounds, uint64(r.span.Lo), uint64(r.span.Hi)+1)
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	*spans = bounds
	var out []Cell
	for i := 0; i+1 < len(bounds); i++ {
		piece := Span{uint32(bounds[i]), uint32(bounds[i+1] - 1)}
		cb, ca := classesAt(b, piece.Lo), classesAt(a, piece.Lo)
		if cb == nil && ca == nil {
			continue
		}
		out = append(out, portCells(f, to, proto, piece, cb, ca, mb.absent(f, to, piece), ma.absent(f, to, piece), ports)...)
	}
	return out
}

// classesAt are the classes of the span of s holding v, or nil.
func classesAt(s side, v uint32) []*Class {
	i, found := slices.BinarySearchFunc(s, v, func(r spanRun, v uint32) int { return cmp.Compare(r.span.Lo, v) })
	if !found {
		i--
	}
	if i < 0 || s[i].span.Hi < v {
		return nil
	}
	return s[i].cs
}

// portCells compares one address piece's port classes; a side without classes has verdict
// absentB or absentA (Model.absent). scratch is a buffer for the port boundaries.
func portCells(f Endpoint, to bool, proto model.Protocol, piece Span, b, a []*Class, absentB, absentA trace.Verdict, scratch *[]uint64) []Cell {
	bounds := (*scratch)[:0]
	for _, cs := range [][]*Class{b, a} {
		for _, c := range cs {
			bounds = append(bounds, uint64(c.Ports.Lo), uint64(c.Ports.Hi)+1)
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	*scratch = bounds
	at := func(cs []*Class, p uint64) *Class {
		for _, c := range cs {
			if uint64(c.Ports.Lo) <= p && p <= uint64(c.Ports.Hi) {
				return c
			}
		}
		return nil
	}
	var out []Cell
	for i := 0; i+1 < len(bounds); i++ {
		pr := [2]uint64{bounds[i], bounds[i+1] - 1}
		xb, xa := at(b, pr[0]), at(a, pr[0])
		vb, va := absentB, absentA
		if xb != nil {
			vb = xb.Verdict
		}
		if xa != nil {
			va = xa.Verdict
		}
		if vb == va || (xb == nil && xa == nil) {
			continue
		}
		c := Cell{Fixed: f, ToFixed: to, Span: piece, Protocol: proto, Ports: model.PortRange{Lo: uint16(pr[0]), Hi: uint16(pr[1])}, Before: vb, After: va}
		src := xa
		if src == nil {
			src = xb
		}
		c.Label, c.Deciding = src.Label, src.Deciding
		if xa == nil && xb.Deciding != nil {
			c.Deciding = xb.Deciding
		}
		c.Example = cellExample(src.Example, to, piece, pr)
		out = append(out, c)
	}
	return out
}

// cellExample is a class's example moved into the cell: the varying address (when the example
// names one) and the port.
func cellExample(q trace.Query, to bool, piece Span, pr [2]uint64) trace.Query {
	rep := piece.Addr()
	if doc := netip.MustParseAddr("198.51.100.7"); piece.Contains(doc) {
		rep = doc // an internet example reads better as a documentation address (RFC 5737)
	} else if piece.Hi-piece.Lo >= 3 {
		rep = addrOf(piece.Lo + 1)
	}
	ref := &q.From
	if !to {
		ref = &q.To
	}
	if _, err := netip.ParseAddr(*ref); err == nil {
		*ref = rep.String()
	}
	if q.Protocol == model.ProtoTCP || q.Protocol == model.ProtoUDP {
		q.DestinationPort = repPort(pr)
	}
	return q
}

// FixedKey says which addresses behave alike as a fixed endpoint: plain NICs (plainKey) with one
// key and signature are walked alike, as sources and as destinations. "" for any other address.
func (m *Model) FixedKey(a netip.Addr) string {
	if !a.Is4() {
		return ""
	}
	v := u32(a)
	k, ok := m.plain[v]
	if !ok {
		return ""
	}
	return fmt.Sprintf("%p|%s|%x|%d", k.subnet, k.sets, m.sigs[v], m.behavStart(v))
}

// absent is the verdict, as trace answers it, of a varying piece a side has no classes for with
// fixed endpoint f: a source the model holds but that cannot start a flow (a load balancer
// frontend, a gateway, their public IPs), fixed or varying, is Unknown ("does not originate
// traffic"); anything else is no such endpoint there, Unreachable.
func (m *Model) absent(f Endpoint, to bool, piece Span) trace.Verdict {
	src := f.Addr
	if to {
		src = netip.Addr{}
		if piece.Lo == piece.Hi {
			src = netip.AddrFrom4([4]byte{byte(piece.Lo >> 24), byte(piece.Lo >> 16), byte(piece.Lo >> 8), byte(piece.Lo)})
		}
	}
	if src.IsValid() && !m.Originates(src) {
		return trace.UnknownV
	}
	return trace.Unreachable
}
