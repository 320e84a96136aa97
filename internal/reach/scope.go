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
