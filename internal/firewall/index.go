package firewall

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// The index is a bit-vector classifier (Lakshman & Stiliadis, SIGCOMM 1998): each dimension
// (destination port per protocol class, destination address, source address) is cut into
// elementary intervals, and each interval carries the bitset of the rules that cover it, bit i
// standing for the phase's i-th rule. A packet's candidates are the AND of its three bitsets;
// scanning set bits in ascending order keeps first-match order. The index is a superset
// filter: every candidate is still checked in full (FQDNs, exact ranges), so a coarse index
// entry can cost time but never change a verdict.

// key is a point of a dimension: an address as 128 bits (IPv4 as IPv4-mapped), or a port.
type key struct{ hi, lo uint64 }

var keyMax = key{^uint64(0), ^uint64(0)}

func (a key) less(b key) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a key) next() key {
	if a.lo == ^uint64(0) {
		return key{a.hi + 1, 0}
	}
	return key{a.hi, a.lo + 1}
}

func addrKey(a netip.Addr) key {
	b := a.As16()
	return key{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// span is an inclusive interval of keys.
type span struct{ lo, hi key }

var spanAll = []span{{key{}, keyMax}}

// partition is one dimension: interval i starts at starts[i] and carries bitset set[i].
type partition struct {
	starts []key
	set    []int32  // index of the interval's bitset in words, in units of w
	words  []uint64 // the distinct bitsets, w words each
	w      int
}

// lookup returns the bitset of the interval containing k; it does not allocate.
func (pt *partition) lookup(k key) []uint64 {
	lo, hi := 0, len(pt.starts)
	for lo < hi { // first start > k
		m := int(uint(lo+hi) >> 1)
		if k.less(pt.starts[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	i := int(pt.set[lo-1]) * pt.w // starts[0] is the zero key, so lo >= 1
	return pt.words[i : i+pt.w]
}

type event struct {
	at   key
	rule int
	add  bool
}

// buildPartition sweeps the rules' spans; spans[i] are rule i's, disjoint and non-adjacent
// (mergeSpans), so no point adds and removes the same rule and event order within a point is free.
func buildPartition(spans [][]span) partition {
	var ev []event
	for i, ss := range spans {
		for _, s := range ss {
			ev = append(ev, event{s.lo, i, true})
			if s.hi != keyMax {
				ev = append(ev, event{s.hi.next(), i, false})
			}
		}
	}
	slices.SortFunc(ev, func(a, b event) int {
		if a.at.less(b.at) {
			return -1
		}
		if b.at.less(a.at) {
			return 1
		}
		return 0
	})
	pb := partitionBuilder{partition: partition{w: (len(spans) + 63) / 64}, seen: map[string]int32{}}
	cur := make([]uint64, pb.w)
	pb.snapshot(key{}, cur)
	for i := 0; i < len(ev); {
		at := ev[i].at
		for ; i < len(ev) && ev[i].at == at; i++ {
			if ev[i].add {
				cur[ev[i].rule/64] |= 1 << (ev[i].rule % 64)
			} else {
				cur[ev[i].rule/64] &^= 1 << (ev[i].rule % 64)
			}
		}
		pb.snapshot(at, cur)
	}
	return pb.partition
}

// partitionBuilder stores each distinct bitset once.
type partitionBuilder struct {
	partition
	seen map[string]int32
}

// snapshot starts an interval at at with the rules in cur.
func (pb *partitionBuilder) snapshot(at key, cur []uint64) {
	k := string(wordsBytes(cur))
	id, ok := pb.seen[k]
	if !ok {
		id = int32(len(pb.seen))
		pb.seen[k] = id
		pb.words = append(pb.words, cur...)
	}
	if n := len(pb.starts); n > 0 && pb.starts[n-1] == at {
		pb.set[n-1] = id
		return
	}
	pb.starts, pb.set = append(pb.starts, at), append(pb.set, id)
}

func wordsBytes(ws []uint64) []byte {
	b := make([]byte, 0, 8*len(ws))
	for _, x := range ws {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	return b
}

// index holds a phase's three dimensions; ports has one partition per protocol class.
type index struct {
	ports    [numClasses]partition
	src, dst partition
}

// buildIndex indexes rules in their first-match order.
func buildIndex(rules []*rule) index {
	var ix index
	for c := protoClass(0); c < numClasses; c++ {
		ix.ports[c] = buildPartition(mapRules(rules, func(r *rule) []span { return portSpans(r, c) }))
	}
	ix.src = buildPartition(mapRules(rules, func(r *rule) []span { return addrSpans(&r.src) }))
	ix.dst = buildPartition(mapRules(rules, dstSpans))
	return ix
}

func mapRules(rules []*rule, f func(*rule) []span) [][]span {
	out := make([][]span, len(rules))
	for i, r := range rules {
		out[i] = f(r)
	}
	return out
}

func portSpans(r *rule, c protoClass) []span {
	if !r.hasProto(c) {
		return nil
	}
	if r.anyPort || c > classUDP {
		return spanAll
	}
	var out []span
	for _, p := range r.ports {
		out = append(out, span{key{0, uint64(p.Lo)}, key{0, uint64(p.Hi)}})
	}
	return mergeSpans(out)
}

func addrSpans(s *addrSet) []span {
	if s.any {
		return spanAll
	}
	out := make([]span, len(s.ranges))
	for i, r := range s.ranges {
		out[i] = span{addrKey(r.lo), addrKey(r.hi)}
	}
	return mergeSpans(out)
}

// dstSpans: application rules ignore the destination address [FWDNSD]; a network rule with
// usable destination FQDNs may match any address.
func dstSpans(r *rule) []span {
	if r.info.Kind == model.ApplicationRules || len(r.dstFQDNs) > 0 {
		return spanAll
	}
	return addrSpans(&r.dst)
}

// mergeSpans sorts spans and merges overlapping or touching ones, so each rule's spans are disjoint.
func mergeSpans(ss []span) []span {
	slices.SortFunc(ss, func(a, b span) int {
		if a.lo.less(b.lo) {
			return -1
		}
		if b.lo.less(a.lo) {
			return 1
		}
		return 0
	})
	out := ss[:0]
	for _, s := range ss {
		if n := len(out); n > 0 && (!out[n-1].hi.less(s.lo) || out[n-1].hi.next() == s.lo && out[n-1].hi != keyMax) {
			if out[n-1].hi.less(s.hi) {
				out[n-1].hi = s.hi
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// candidates returns the three bitsets whose AND are the rules p may match.
func (ix *index) candidates(p *Packet, c protoClass) (a, b, d []uint64) {
	return ix.ports[c].lookup(key{0, uint64(p.DstPort)}), ix.src.lookup(addrKey(p.Src)), ix.dst.lookup(addrKey(p.Dst))
}
