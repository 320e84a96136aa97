package synth

import (
	"net/netip"
	"sort"
	"strings"
)

func (v *verifier) check(file string, x any, c ctx) {
	switch t := x.(type) {
	case []any:
		for _, e := range t {
			v.check(file, e, c)
		}
	case map[string]any:
		v.checkObject(file, t, c)
	}
}

func (v *verifier) checkObject(file string, o map[string]any, c ctx) {
	id, _ := o["id"].(string)
	_, named := o["name"]
	if id != "" && !named && len(o) <= 2 {
		v.needDefined(file, id)
	}
	if id != "" && named && c.top == "" {
		c.top = owningResource(o, id)
	}
	if p, ok := o["properties"].(map[string]any); ok {
		if s := subnetOf(p); s != "" {
			c.subnet = s
		}
	}
	if s := subnetOf(o); s != "" {
		c.subnet = s
	}
	for k, e := range o {
		lk := strings.ToLower(k)
		switch {
		case refKeys[lk]:
			if s, ok := e.(string); ok && s != "" {
				v.needDefined(file, s)
			}
		case listRefKeys[lk]:
			for _, s := range toStrings(e) {
				v.needDefined(file, s)
			}
		case lk == "privateipaddress" || lk == "ipaddress" && c.subnet != "":
			v.address(file, c, e)
		case lk == "nexthopipaddress":
			if s, ok := e.(string); ok {
				v.hops = append(v.hops, hop{file, id, s})
			}
		}
		if lk == "customdnsconfigs" || lk == "mounttargets" {
			v.dnsConfigs(file, c, e)
			continue
		}
		v.check(file, e, c)
	}
}

// owningResource maps a private endpoint's platform NIC to the endpoint: both list the
// same address, and they are one owner.
func owningResource(o map[string]any, id string) string {
	if p, ok := o["properties"].(map[string]any); ok {
		if pe, ok := p["privateEndpoint"].(map[string]any); ok {
			if s, ok := pe["id"].(string); ok {
				return s
			}
		}
	}
	return id
}

func subnetOf(p map[string]any) string {
	if s, ok := p["subnet"].(map[string]any); ok {
		id, _ := s["id"].(string)
		return id
	}
	if s, ok := p["subnetId"].(string); ok {
		return s
	}
	return ""
}

func (v *verifier) needDefined(file, id string) {
	if _, ok := v.defined[strings.ToLower(id)]; !ok {
		v.errf("%s: reference to %s, which no file defines", file, id)
	}
}

func (v *verifier) dnsConfigs(file string, c ctx, x any) {
	list, _ := x.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		for _, a := range toStrings(m["ipAddresses"]) {
			v.inSubnet(file, c, a)
		}
		if a, ok := m["ipAddress"].(string); ok {
			v.address(file, c, a)
		}
	}
}

// address checks an owned private address: inside the subnet, not reserved, owned once.
func (v *verifier) address(file string, c ctx, x any) {
	s, ok := x.(string)
	if !ok || s == "" || c.subnet == "" {
		return
	}
	if !v.inSubnet(file, c, s) {
		return
	}
	vnet := strings.ToLower(c.subnet[:strings.Index(strings.ToLower(c.subnet), "/subnets/")])
	k := vnet + "|" + s
	if prev, dup := v.owners[k]; dup && !strings.EqualFold(prev, c.top) {
		v.errf("%s: %s owned by both %s and %s", file, s, prev, c.top)
	}
	v.owners[k] = c.top
}

func (v *verifier) inSubnet(file string, c ctx, s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		v.errf("%s: %s: bad address %q", file, c.top, s)
		return false
	}
	for _, p := range v.subnets[strings.ToLower(c.subnet)] {
		if p.Contains(a) {
			if reserved(p, a) {
				v.errf("%s: %s: %s is a reserved address of %s", file, c.top, s, p)
			}
			return true
		}
	}
	v.errf("%s: %s: %s is not inside subnet %s", file, c.top, s, c.subnet)
	return false
}

// reserved reports the first four and the last address of an IPv4 subnet (spec §2.6).
func reserved(p netip.Prefix, a netip.Addr) bool {
	if !a.Is4() || !p.Addr().Is4() {
		return false
	}
	base, x := u32(p.Masked().Addr()), u32(a)
	size := uint64(1) << (32 - p.Bits())
	off := uint64(x - base)
	return off < 4 || off == size-1
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// checkHops requires every route next hop address to be owned by something.
func (v *verifier) checkHops() {
	owned := map[string]bool{}
	for k := range v.owners {
		owned[k[strings.IndexByte(k, '|')+1:]] = true
	}
	for _, h := range v.hops {
		if !owned[h.ip] {
			v.errf("%s: route %s: next hop %s is owned by nothing", h.file, h.route, h.ip)
		}
	}
}

// checkVNets checks subnet containment and overlap, and peerings' remote address spaces.
func (v *verifier) checkVNets() {
	for _, o := range v.vnetObjs {
		id, _ := o["id"].(string)
		space := parsePrefixes(v.vnets[strings.ToLower(id)])
		p, _ := o["properties"].(map[string]any)
		var seen []netip.Prefix
		for _, s := range asList(p["subnets"]) {
			sid, _ := s["id"].(string)
			for _, sp := range v.subnets[strings.ToLower(sid)] {
				if !coveredBy(sp, space) {
					v.errf("%s: subnet %s is outside the VNet's address space", id, sp)
				}
				for _, q := range seen {
					if q.Overlaps(sp) {
						v.errf("%s: subnets %s and %s overlap", id, q, sp)
					}
				}
				seen = append(seen, sp)
			}
		}
		for _, pe := range asList(p["virtualNetworkPeerings"]) {
			v.checkPeering(id, pe)
		}
	}
}

func (v *verifier) checkPeering(vnet string, pe map[string]any) {
	p, _ := pe["properties"].(map[string]any)
	rv, _ := p["remoteVirtualNetwork"].(map[string]any)
	rid, _ := rv["id"].(string)
	want, ok := v.vnets[strings.ToLower(rid)]
	if !ok {
		return
	}
	ras, _ := p["remoteAddressSpace"].(map[string]any)
	got := toStrings(ras["addressPrefixes"])
	if strings.Join(got, ",") != strings.Join(want, ",") {
		v.errf("%s: peering to %s records remote address space %v, the VNet has %v", vnet, rid, got, want)
	}
}

func coveredBy(p netip.Prefix, space []netip.Prefix) bool {
	for _, s := range space {
		if s.Bits() <= p.Bits() && s.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

func parsePrefixes(ss []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func asList(x any) []map[string]any {
	l, _ := x.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func toStrings(x any) []string {
	l, _ := x.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
