package firewall

import "net/netip"

// Bounds yields the first address of every address range the engine's decisions read (rule
// sources and destinations, the SNAT private ranges, the firewall's own addresses) and the
// address after each range's last. Two addresses with no bound between them
// (an equivalence class, as symbolic analyses cut the address space) are decided alike by
// Evaluate in every rule: a range contains both or neither.
func (e *Engine) Bounds(yield func(netip.Addr)) {
	rng := func(lo, hi netip.Addr) {
		yield(lo)
		if next := hi.Next(); next.IsValid() {
			yield(next)
		}
	}
	set := func(s *addrSet) {
		for _, r := range s.ranges {
			rng(r.lo, r.hi)
		}
	}
	for k := range e.phases {
		for _, r := range e.phases[k].rules {
			set(&r.src)
			set(&r.dst)
		}
	}
	set(&e.snat)
	for _, a := range e.selfAddrs {
		rng(a, a)
	}
}
