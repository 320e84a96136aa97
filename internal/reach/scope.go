package reach

import (
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Rebase is the model of p, a plane that differs from m's only in the NSG rules changed reports
// (added or edited; removed ones need nothing), made from m's classes instead of cutting p's
// header space again: `diff` of one rule pays one Build, not two.
//
// Every list Build would cut p at is one of m's lists or a side of a changed rule, so m's
// classes refined by the changed rules' sides (their boundaries, and a signature term of their
// own) tell apart everything a class of p must: a refinement of a valid partition is valid.
// The caller vouches for the rest (routes, address spaces, subnets, firewalls, tags and the
// resources owning addresses unchanged); Rebase checks what it cheaply can and reports false
// when the owned addresses differ. What reads p itself (plain NICs' keys, the subnets of each
// class, shared port boundaries) is worked out from p.
func (m *Model) Rebase(p *dataplane.Plane, changed func(*acl.Rule) bool) (*Model, bool) {
	d := &Model{p: p, sets: map[*acl.RuleSet][]uint64{}, subnets: map[uint64][]*model.Subnet{}}
	if owned := d.ownedList(func(netip.Addr) bool { return true }); !slices.Equal(owned, m.owned) {
		return nil, false
	}
	d.owned, d.hops = m.owned, m.hops // routes are the same (the caller vouches)
	d.plainNICs()
	// The changed rules' sides, as Build lists them: their boundaries and signature terms.
	extra := &signatures{next: rebaseIDs}
	c := newCuts(1 << 32)
	seen := map[*acl.Rule]bool{}
	d.ruleSets(func(rs *acl.RuleSet) {
		for _, r := range rs.Rules {
			if seen[r] || !changed(r) {
				continue
			}
			seen[r] = true
			for _, side := range [][]netip.Prefix{r.ExpandedSource, r.ExpandedDest} {
				for _, x := range side {
					c.prefix(x)
				}
				extra.list(side)
			}
		}
	})
	starts := c.sorted()
	d.behav = mergeStarts(m.behav, starts)
	d.addrs = mergeStarts(m.addrs, starts)
	d.indexSubnets()
	points := d.signaturePoints()
	terms := extra.finish(points)
	d.sigs = make(map[uint32]uint64, len(points))
	for _, x := range points {
		base, ok := m.sigs[x]
		if !ok {
			base = m.sigs[m.behavStart(x)] // every address of one of m's behaviour classes is in the same lists
		}
		d.sigs[x] = base + terms[x]
	}
	d.shared = d.sharedPorts()
	return d, true
}

// rebaseIDs numbers Rebase's lists far past any count Build reaches, so their IDs (mix is a
// bijection) never equal one of m's lists'.
const rebaseIDs = 1 << 40

// Unowned is one address of each class the models tell apart (every cut of any of them) within
// ps that no resource owns in any of them, the lowest keep admits; a class with no such address
// has none. An address nothing owns behaves as every other one of its behaviour class (Model.behav),
// so a query about it answers for them all: `diff` asks about the addresses of a delegated subnet
// that no listed resource holds this way, one per class, rather than every endpoint about the
// whole subnet.
func Unowned(ps []netip.Prefix, keep func(netip.Addr) bool, ms ...*Model) []netip.Addr {
	var starts [][]uint64
	for _, m := range ms {
		starts = append(starts, m.behav)
	}
	cut, owned := mergeStarts(starts...), ownedOf(ms)
	var out []netip.Addr
	for _, p := range ps {
		sp, ok := prefixSpan(p)
		if !ok {
			continue
		}
		// The class starts inside the prefix, after its first address: each begins a class.
		lo := uint64(sp.Lo)
		i, _ := slices.BinarySearch(cut, lo+1)
		for lo <= uint64(sp.Hi) {
			hi := uint64(sp.Hi)
			if i < len(cut) && cut[i] <= hi {
				hi = cut[i] - 1
			}
			// Owned or refused addresses are few: the walk stops at the first other one.
			for v := lo; v <= hi; v++ {
				if _, own := slices.BinarySearch(owned, uint32(v)); !own && keep(addrOf(uint32(v))) {
					out = append(out, addrOf(uint32(v)))
					break
				}
			}
			lo = hi + 1
			i++
		}
	}
	return out
}

// OwnedIn is the addresses within ps that a resource owns in any of the models, sorted and
// distinct: each is a class of its own, which Unowned leaves out.
func OwnedIn(ps []netip.Prefix, ms ...*Model) []netip.Addr {
	var out []netip.Addr
	for _, v := range ownedOf(ms) {
		a := addrOf(v)
		if slices.ContainsFunc(ps, func(p netip.Prefix) bool { return p.Contains(a) }) {
			out = append(out, a)
		}
	}
	return out
}

// ownedOf is the addresses any of ms owns, sorted and distinct (a new slice).
func ownedOf(ms []*Model) []uint32 {
	var owned []uint32
	for _, m := range ms {
		owned = append(owned, m.owned...)
	}
	slices.Sort(owned)
	return slices.Compact(owned)
}
