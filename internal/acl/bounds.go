package acl

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/ipset"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Bounds yields, for the rules of direction dir, every address range one side reads (the source
// side when src, else the destination side). Two addresses that no yielded range's first address
// or the address after its last separates (and alike for PlatformMode) are decided alike on that
// side by every rule: with the other end, the protocol and the ports fixed, the level gives them
// one answer. For callers that remember decisions per address range (reach's sharing).
// A side that names "*" or the evaluated NIC's own ASG reads no address and yields nothing.
func (rs *RuleSet) Bounds(dir model.Direction, src bool, yield func(ipset.Range)) {
	if rs == nil {
		return
	}
	rules := rs.in
	if dir == model.Outbound {
		rules = rs.out
	}
	for _, ru := range rules {
		sd := &ru.m.dst
		if src {
			sd = &ru.m.src
		}
		if sd.any || sd.self {
			continue
		}
		for _, r := range sd.set.Ranges() {
			yield(r)
		}
	}
}

// PlatformMode reports whether Evaluate filters a flow to dst in direction dir in Platform mode:
// outbound to a platform address, where only rules naming an AzurePlatform* tag apply (spec §2.6).
func PlatformMode(dir model.Direction, dst netip.Addr) bool {
	return dir == model.Outbound && platformAddrs.Contains(dst)
}

// Levels yields the levels Evaluate reads in direction dir, in its order (spec §2.1), each with
// its rule set (nil when the level has none: it allows everything).
func (e *Effective) Levels(dir model.Direction, yield func(Level, *RuleSet)) {
	order := &orderIn
	if dir == model.Outbound {
		order = &orderOut
	}
	for _, lv := range order {
		if e.applies[lv] {
			yield(lv, e.sets[lv])
		}
	}
}
