package check

import (
	"encoding/binary"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Destination classes. A hub's private endpoints usually share a subnet and its rules, and no
// route or rule of most sources tells their addresses apart: such a source reaches each of them
// the same way. A class is the destinations of one subnet, kind, probe ports, rule sets and NIC
// properties; per source, the confirmer (asymconfirm.go) splits it where that source's routes
// and rules, or anything every source meets, cut the class's addresses.

// destClasses returns, per destination index, its class number (-1 when it is not a candidate
// destination), with classes numbered in order of first appearance.
func destClasses(p *dataplane.Plane, dsts []rep, order []int) []int {
	class := make([]int, len(dsts))
	for i := range class {
		class[i] = -1
	}
	sets := map[*acl.RuleSet]uint32{}
	ids := map[string]int{}
	next := 0
	var key []byte
	for _, di := range order {
		var ok bool
		if key, ok = destKey(key[:0], p, dsts[di], sets); !ok {
			class[di], next = next, next+1 // confirmed on its own
			continue
		}
		n, seen := ids[string(key)]
		if !seen {
			n, next = next, next+1
			ids[string(key)] = n
		}
		class[di] = n
	}
	return class
}

// destKey appends to b what a destination's class depends on; ok is false when it must be
// confirmed on its own. sets numbers the rule sets (shared between NICs of equal context).
func destKey(b []byte, p *dataplane.Plane, d rep, sets map[*acl.RuleSet]uint32) ([]byte, bool) {
	if len(p.Net.Owners(d.addr)) > 1 {
		return b, false
	}
	b = append(b, d.subnet.ID...)
	if d.pe != nil {
		b = append(b, "\x00pe"...)
		b = binary.LittleEndian.AppendUint16(b, endpointPort(d.pe))
	} else {
		nic := d.nic
		b = append(b, "\x00vm"...)
		b = append(b, boolByte(nic.IPForwarding), boolByte(nic.Primary().PublicIP != nil), boolByte(nic.MissingNSG != ""))
	}
	eff := d.rules(p)
	for _, lv := range [...]acl.Level{acl.LevelAdmin, acl.LevelNIC, acl.LevelSubnet} {
		b = append(b, boolByte(eff.Applies(lv)))
		id := uint32(0)
		if rs := eff.Set(lv); rs != nil {
			if id = sets[rs]; id == 0 {
				id = uint32(len(sets) + 1)
				sets[rs] = id
			}
		}
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b, true
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// estateBounds is the sorted bounds of every range a route lookup or rule on a path between
// the reps can read: every route table (private endpoint /32s aside: their routes are decided
// alike, see pairKeyer.record), subnet and VNet range, NSG and admin rule, firewall rule
// and SNAT range. Two addresses with no bound between them are decided alike everywhere.
func estateBounds(p *dataplane.Plane, srcs, dsts []rep, cs *chainSearch) []netip.Addr {
	var out []netip.Addr
	add := func(pf netip.Prefix) { out = prefixBounds(out, pf) }
	for _, v := range p.Net.VNets {
		for _, pf := range v.AddressSpace {
			add(pf)
		}
	}
	for _, s := range p.Net.Subnets {
		for _, pf := range s.Prefixes {
			add(pf)
		}
		if t := p.FIB.Subnet(s); t != nil {
			out = routeBounds(out, t, true)
		}
	}
	for _, eng := range p.Firewalls {
		eng.Bounds(func(a netip.Addr) { out = append(out, a) })
	}
	// Rule sides expanded from the same entries in the same context share one prefix list (a
	// hub's VirtualNetwork tag lists every spoke): each list is read once.
	seen, lists := map[*acl.RuleSet]bool{}, map[*netip.Prefix]bool{}
	list := func(ps []netip.Prefix) {
		if len(ps) == 0 || lists[&ps[0]] {
			return
		}
		lists[&ps[0]] = true
		for _, pf := range ps {
			add(pf)
		}
	}
	rules := func(eff *acl.Effective) {
		for _, rs := range eff.Sets {
			if rs == nil || seen[rs] {
				continue
			}
			seen[rs] = true
			for _, ru := range rs.Rules {
				list(ru.ExpandedSource)
				list(ru.ExpandedDest)
			}
		}
	}
	for _, r := range append(srcs[:len(srcs):len(srcs)], dsts...) {
		rules(r.rules(p))
	}
	for dev := range cs.devs {
		if nic, ok := dev.(*model.NIC); ok && nic.Primary() != nil {
			rules(p.ACL.ForIPConfig(nic.Primary()))
		}
	}
	return sortedBounds(out)
}
