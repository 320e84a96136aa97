package reach

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Model is a snapshot's header space cut into classes: every IPv4 boundary any route, rule,
// tag expansion, firewall rule, translation, owned address or special range draws, and the
// port boundaries of the devices every flow may meet. Build it once per plane; it is safe for
// concurrent use.
type Model struct {
	p *dataplane.Plane
	// addrs are the starts of the address classes, 1<<32 last. behav are those of every cut but
	// the owned addresses: the addresses of one behav class that nothing owns behave alike,
	// wherever the owned addresses between them fall.
	addrs, behav []uint64
	// owned are the IPv4 addresses resources own, sorted: each is a class of its own, except
	// that plain NICs (see plainKey) of one behaviour class with the same key form one class.
	owned []uint32
	plain map[uint32]plainKey
	// hops is every address a route names as a next hop, and every Route Server peer's. Trace
	// reads every ip configuration of the NIC holding one (an NVA that advertised the route it
	// sends by, routeserver.go advertised), so that NIC's other addresses are not alike to
	// anyone's: plainNICs leaves such a NIC out. (Its own next hop address is cut apart.)
	hops map[netip.Addr]bool
	// sigs are the membership signatures (signatures) of the plain NICs and behaviour classes.
	sigs map[uint32]uint64
	// shared are the port boundaries of what any flow may cross: firewalls, load balancers,
	// forwarding NICs, load balancer backends and translation targets.
	shared []uint64
	// subnets maps an address class start to the subnets holding it.
	subnets map[uint64][]*model.Subnet

	mu     sync.Mutex
	sets   map[*acl.RuleSet][]uint64 // port boundaries of one rule set
	bounds map[setSide][]uint32      // address bounds of one side of a rule set (rulememo.go), made on first use
	// routeShared are the route bounds every destination shares (routememo.go), made on first use.
	routeShared []uint32
	fwCuts      map[*model.Firewall][]uint32 // firewall bounds (rulememo.go), made on first use
}

// dropAddrCut and dropPortCut, when set by a test, leave boundaries out: the twin test shows that
// a missing boundary is caught.
var (
	dropAddrCut func(netip.Prefix) bool
	dropPortCut func(model.PortRange) bool
	// plainKeyHook and signatureHook, when set by a test, may spoil plain NICs' keys and signatures.
	plainKeyHook  func(*plainKey)
	signatureHook func(map[uint32]uint64)
)

// Build cuts p's header space.
func Build(p *dataplane.Plane) *Model {
	m := &Model{p: p, sets: map[*acl.RuleSet][]uint64{}, subnets: map[uint64][]*model.Subnet{}, hops: map[netip.Addr]bool{}}
	a := newCuts(1 << 32)
	sig := &signatures{}
	// addList cuts at every prefix of one list whose membership a decision tests as a whole (a
	// rule's side); addPrefix makes each prefix a list of its own (a route, a range). A list
	// seen before (the same slice, or the same prefixes) cuts and signs nothing new: on the
	// 10,000-NIC estate 509,400 rule sides hold 6,669 distinct lists, and reading each once
	// halves the build.
	type sliceKey struct {
		p *netip.Prefix
		n int
	}
	seenSlice := map[sliceKey]bool{}
	seenContent := map[string]bool{}
	addList := func(ps []netip.Prefix) {
		if len(ps) > 0 {
			k := sliceKey{&ps[0], len(ps)}
			if seenSlice[k] {
				return
			}
			seenSlice[k] = true
			var b []byte
			for _, x := range ps {
				b, _ = x.AppendBinary(b)
			}
			if seenContent[string(b)] {
				return
			}
			seenContent[string(b)] = true
		}
		var kept []netip.Prefix
		for _, x := range ps {
			if dropAddrCut == nil || !dropAddrCut(x) {
				a.prefix(x)
				kept = append(kept, x)
			}
		}
		sig.list(kept)
	}
	// A prefix cuts and signs once however often it is added: every subnet's table repeats the
	// routes and endpoints of the VNets it sees (on the 10,000-NIC estate, 545,000 routes and
	// endpoint routes in 3,001 tables hold 5,309 prefixes). A signature tells classes apart by
	// the set of lists over them, so counting a prefix once changes no class.
	seenPrefix := map[netip.Prefix]bool{}
	addPrefix := func(ps ...netip.Prefix) {
		for _, x := range ps {
			if seenPrefix[x] {
				continue
			}
			seenPrefix[x] = true
			if dropAddrCut == nil || !dropAddrCut(x) {
				a.prefix(x)
				sig.prefix(x)
			}
		}
	}
	addAddr := func(as ...netip.Addr) {
		for _, x := range as {
			if x.IsValid() {
				addPrefix(netip.PrefixFrom(x.Unmap(), 32))
			}
		}
	}
	n := p.Net
	// Special ranges: what trace treats as public, the platform addresses, firewall SNAT defaults.
	for _, s := range []string{"0.0.0.0/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
		"169.254.0.0/16", "224.0.0.0/4", "100.64.0.0/10", "198.18.0.0/15", "255.255.255.255/32"} {
		addPrefix(netip.MustParsePrefix(s))
	}
	addAddr(model.AzurePlatformIP, model.IMDSAddr)
	// Every route of every table, read in place (building each listing cost a tenth of Build on
	// the 10,000-NIC estate): Routes and Endpoints hold the listing's, and learned routes it
	// leaves out, which only cut further.
	for _, s := range p.FIB.Subnets() {
		if t := p.FIB.Subnet(s); t != nil {
			for r := range t.Routes() {
				addPrefix(r.Prefix)
				addAddr(r.NextHopIP)
				addAddr(r.NextHopIPs...) // every next hop of an ECMP route, not only the first
				m.hops[r.NextHopIP] = true
				for _, x := range r.NextHopIPs {
					m.hops[x] = true
				}
			}
			for r := range t.Endpoints() {
				addPrefix(r.Prefix)
				addAddr(r.NextHopIP)
			}
		}
	}
	for _, rs := range n.RouteServers {
		for _, x := range rs.Peers {
			m.hops[x.IP] = true
		}
	}
	m.plainNICs()
	seenRule := map[*acl.Rule]bool{} // rules are shared between the sets of one context
	m.ruleSets(func(rs *acl.RuleSet) {
		for _, r := range rs.Rules {
			if !seenRule[r] {
				seenRule[r] = true
				addList(r.ExpandedSource)
				addList(r.ExpandedDest)
			}
		}
	})
	for _, v := range n.VNets {
		addPrefix(v.AddressSpace...)
	}
	// The five addresses Azure reserves in every subnet (spec §2.6) are one list: a subnet's are
	// told apart from another's by the subnet's prefix, and alike within it.
	var reserved []netip.Prefix
	for _, s := range n.Subnets {
		for _, x := range s.Prefixes {
			addPrefix(x)
			if sp, ok := prefixSpan(x); ok && sp.Hi-sp.Lo >= 4 {
				for _, v := range []uint32{sp.Lo, sp.Lo + 1, sp.Lo + 2, sp.Lo + 3, sp.Hi} {
					reserved = append(reserved, netip.PrefixFrom(addrOf(v), 32))
				}
			}
		}
	}
	addList(reserved)
	for _, fw := range n.Firewalls {
		m.firewallAddrs(fw, addList, addPrefix, addAddr)
	}
	for _, o := range p.Index.OnPrem {
		addPrefix(o.Prefix)
	}
	for _, l := range n.LocalGateways {
		addPrefix(l.Prefixes...)
		addAddr(l.GatewayIP, l.BGPPeer)
	}
	m.behav = a.sorted()
	m.owned = m.ownedList(func(x netip.Addr) bool { return dropAddrCut == nil || !dropAddrCut(netip.PrefixFrom(x, 32)) })
	for _, o := range m.owned {
		a.addr(addrOf(o))
	}
	m.addrs = a.sorted()
	m.indexSubnets()
	m.sigs = sig.finish(m.signaturePoints())
	if signatureHook != nil {
		signatureHook(m.sigs)
	}
	m.shared = m.sharedPorts()
	return m
}

// plainKey is what a trace reads of a plain NIC ip configuration (plainNICs): its subnet and
// its effective rule sets (which carry its NSG and ASGs). Two plain NICs with one key whose
// addresses fall in one behaviour class are walked alike, as sources and as destinations.
type plainKey struct {
	subnet *model.Subnet
	sets   string // the rule sets' levels, NSGs and rules (shared *acl.Rule values), in order
}

// plainNICs keys the addresses of plain NIC ip configurations: a VM's NIC without IP
// forwarding, the disableSnatOnPL tag (the only tag trace reads) or anything missing; an ip
// configuration without a public IP, backend pool or gateway load balancer, its address owned
// by nothing else. A NIC's secondary ip configurations are plain too, unless one of its
// addresses is a next hop (Model.hops): trace takes an address to its own ip configuration and
// otherwise reads nothing of its siblings, so the pod addresses of an AKS node pool under Azure
// CNI (tens per node, on NICs AKS tags) are one class, not one each. (The Azure CNI plug-in gives
// pods addresses of the node's NIC as secondary ip configurations: "Deploy the Azure Virtual
// Network container network interface plug-in", learn.microsoft.com/azure/virtual-network/
// deploy-container-networking; the bundled example's aks.json has that shape.)
func (m *Model) plainNICs() {
	m.plain = map[uint32]plainKey{}
	n := m.p.Net
	ids := newPointerIDs()
	isHop := func(c *model.IPConfig) bool { return m.hops[c.PrivateIP] }
	for _, nic := range n.NICs {
		if nic.IPForwarding || nic.VMName == "" || nic.DisableSnatOnPL() || len(n.MissingFrom(nic.ID)) > 0 ||
			(len(nic.IPConfigs) > 1 && slices.ContainsFunc(nic.IPConfigs, isHop)) {
			continue
		}
		for _, c := range nic.IPConfigs {
			if c.Subnet == nil || c.PublicIP != nil || c.GatewayLB != nil || len(c.BackendPools) > 0 || !c.PrivateIP.Is4() ||
				len(n.Owners(c.PrivateIP)) != 1 || len(n.MissingFrom(c.Subnet.ID)) > 0 {
				continue
			}
			k := plainKey{subnet: c.Subnet, sets: ids.setsKey(m.p.ACL.ForIPConfig(c))}
			if plainKeyHook != nil {
				plainKeyHook(&k)
			}
			m.plain[u32(c.PrivateIP)] = k
		}
	}
}

// pointerIDs numbers the NSGs and rules setsKey meets, so a key is a short string of numbers
// (it was fmt's %p of every rule: a tenth of Build on the 10,000-NIC estate).
type pointerIDs struct {
	nsgs  map[*model.NSG]uint64
	rules map[*acl.Rule]uint64
}

func newPointerIDs() *pointerIDs {
	return &pointerIDs{nsgs: map[*model.NSG]uint64{}, rules: map[*acl.Rule]uint64{}}
}

// number is p's number in ids, numbering it next when new.
func number[P comparable](ids map[P]uint64, p P) uint64 {
	id, ok := ids[p]
	if !ok {
		id = uint64(len(ids)) + 1
		ids[p] = id
	}
	return id
}

// setsKey names the content of a NIC's effective rule sets: equal keys evaluate every packet
// alike (equal sets carry equal assumptions).
func (ids *pointerIDs) setsKey(e *acl.Effective) string {
	var b []byte
	for _, rs := range e.Sets {
		if rs == nil {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(rs.Level)+1)
		b = binary.AppendUvarint(b, number(ids.nsgs, rs.NSG))
		b = binary.AppendUvarint(b, uint64(len(rs.Rules)))
		for _, r := range rs.Rules {
			b = binary.AppendUvarint(b, number(ids.rules, r))
		}
	}
	return string(b)
}

// ruleSets calls f once for every rule set of every NIC ip configuration, private endpoint and subnet.
func (m *Model) ruleSets(f func(*acl.RuleSet)) {
	seen := map[*acl.RuleSet]bool{}
	each := func(e *acl.Effective) {
		for _, rs := range e.Sets {
			if rs != nil && !seen[rs] {
				seen[rs] = true
				f(rs)
			}
		}
	}
	n := m.p.Net
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			each(m.p.ACL.ForIPConfig(c))
		}
	}
	for _, pe := range n.PrivateEndpoints {
		each(m.p.ACL.ForPrivateEndpoint(pe))
	}
	for _, s := range n.Subnets {
		each(m.p.ACL.ForSubnet(s))
	}
}

// ownedAddrs calls addAddr with every address a resource owns.
func (m *Model) ownedAddrs(addAddr func(...netip.Addr)) {
	n := m.p.Net
	for _, nic := range n.NICs {
		for _, c := range nic.IPConfigs {
			addAddr(c.PrivateIP)
			if c.PublicIP != nil {
				addAddr(c.PublicIP.Address)
			}
		}
	}
	for _, pe := range n.PrivateEndpoints {
		addAddr(pe.IPs...)
	}
	for _, lb := range n.LoadBalancers {
		for _, fe := range lb.Frontends {
			addAddr(fe.PrivateIP)
			if fe.PublicIP != nil {
				addAddr(fe.PublicIP.Address)
			}
		}
		for _, bp := range lb.BackendPools {
			addAddr(bp.Addresses...)
		}
	}
	for _, g := range n.VNetGateways {
		addAddr(g.PrivateIPs...)
		addAddr(g.BGPAddrs...)
		for _, pip := range g.PublicIPs {
			addAddr(pip.Address)
		}
	}
	for _, pip := range n.PublicIPs {
		addAddr(pip.Address)
	}
	for _, ng := range n.NATGateways {
		for _, pip := range ng.PublicIPs {
			addAddr(pip.Address)
		}
	}
	for _, in := range n.ResolverInbounds { // trace delivers to them (atResolver), not owners
		addAddr(in.Addr)
	}
	for _, vol := range n.NetAppVolumes { // nor are mount targets (atNetApp)
		addAddr(vol.MountTargets...)
	}
}

// firewallAddrs cuts at a firewall's addresses, instance range, SNAT ranges and every address
// its rules name or translate to.
func (m *Model) firewallAddrs(fw *model.Firewall, addList func([]netip.Prefix), addPrefix func(...netip.Prefix), addAddr func(...netip.Addr)) {
	addAddr(fw.PrivateIP)
	addAddr(fw.HubPublicAddresses...)
	for _, pip := range fw.PublicIPs {
		addAddr(pip.Address)
	}
	addPrefix(firewall.InstanceAddresses(fw).Prefixes()...)
	ranges := fw.SNATPrivateRanges
	if fw.Policy != nil {
		ranges = append(slices.Clone(ranges), fw.Policy.SNATPrivateRanges...)
	}
	for _, r := range ranges {
		addPrefix(m.fwAddr(r)...)
	}
	side := func(entries []string, groups []*model.IPGroup) {
		var ps []netip.Prefix
		for _, s := range entries {
			ps = append(ps, m.fwAddr(s)...)
		}
		for _, g := range groups {
			if g != nil {
				ps = append(ps, g.Prefixes...)
			}
		}
		addList(ps)
	}
	e := trace.FirewallEngineAll(m.p, fw) // every rule, under either dnat-inherited choice
	if e == nil {
		return
	}
	for _, k := range []model.RuleKind{model.NATRules, model.NetworkRules, model.ApplicationRules} {
		for _, ri := range e.Rules(k) {
			if r := ri.Rule; r != nil {
				side(r.Sources, r.SourceGroups)
				side(r.Destinations, r.DestGroups)
				addAddr(r.TranslatedAddress)
			}
		}
	}
}

// fwAddr is one firewall address entry as prefixes: an address, a CIDR, a range "a-b" or a
// service tag.
func (m *Model) fwAddr(s string) []netip.Prefix {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return []netip.Prefix{p}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
	}
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		l, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		h, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 == nil && err2 == nil && l.Is4() && h.Is4() && !h.Less(l) {
			return cidrs(u32(l), u32(h))
		}
		return nil
	}
	if t, ok := m.p.Net.Tag(s); ok {
		return t.Prefixes
	}
	return nil
}

// indexSubnets records, for every address class, the subnets that hold it.
func (m *Model) indexSubnets() {
	for _, s := range m.p.Net.Subnets {
		for _, x := range s.Prefixes {
			sp, ok := prefixSpan(x)
			if !ok {
				continue
			}
			for _, c := range classesWithin(m.addrs, uint64(sp.Lo), uint64(sp.Hi)) {
				m.subnets[c[0]] = append(m.subnets[c[0]], s)
			}
		}
	}
}

// sharedPorts are the port boundaries of the devices any flow may cross.
func (m *Model) sharedPorts() []uint64 {
	c := newCuts(1 << 16)
	addPorts := func(rs ...model.PortRange) {
		for _, r := range rs {
			if dropPortCut == nil || !dropPortCut(r) {
				c.span(uint64(r.Lo), uint64(r.Hi))
			}
		}
	}
	one := func(p uint16) { addPorts(model.PortRange{Lo: p, Hi: p}) }
	// Ports the platform itself treats apart, whatever the rules say: the host drops UDP to its
	// reserved port before the VM (spec §2.6), and a firewall's own address answers on the DNS
	// proxy's port only (spec §3.5). Trace decides both by port (deliverNIC,
	// atFirewallFrontend); a class spanning one would prove its neighbours by the wrong packet.
	one(model.HostReservedUDPPort)
	n := m.p.Net
	var through []*model.IPConfig // NICs a flow may cross without being its end
	if len(n.ResolverInbounds) > 0 {
		one(model.DNSPort) // a resolver inbound endpoint answers on it only (atResolver)
	}
	for _, fw := range n.Firewalls {
		if fw.DNSProxyEnabled() {
			one(model.DNSPort)
		}
		e := trace.FirewallEngineAll(m.p, fw) // every rule, under either dnat-inherited choice
		if e == nil {
			continue
		}
		addPorts(e.Ports()...) // as the engine matches them (FQDN tags' implicit 80 and 443)
		for _, k := range []model.RuleKind{model.NATRules, model.NetworkRules, model.ApplicationRules} {
			for _, ri := range e.Rules(k) {
				if r := ri.Rule; r != nil {
					if r.TranslatedPort != 0 {
						one(r.TranslatedPort)
					}
					for _, o := range n.Owners(r.TranslatedAddress) {
						if o.Kind == model.OwnerNIC {
							through = append(through, o.IPConfig)
						}
					}
				}
			}
		}
	}
	for _, lb := range n.LoadBalancers {
		for _, r := range lb.Rules {
			if !r.HAPorts() {
				one(r.FrontendPort)
				one(r.BackendPort)
			}
		}
		for _, r := range lb.InboundNATRules {
			addPorts(r.Ports()) // a rule over a pool forwards a range (trace natRule)
			one(r.BackendPort)
			if r.Target != nil {
				through = append(through, r.Target)
			}
		}
		for _, bp := range lb.BackendPools {
			through = append(through, bp.IPConfigs...)
			for _, t := range bp.Tunnels {
				one(t.Port)
			}
		}
	}
	for _, nic := range n.NICs {
		if nic.IPForwarding {
			through = append(through, nic.IPConfigs...)
		}
	}
	for _, ipc := range through {
		for _, rs := range m.p.ACL.ForIPConfig(ipc).Sets {
			if rs != nil {
				for _, r := range rs.Rules {
					addPorts(r.SourcePorts...)
					addPorts(r.DestPorts...)
				}
			}
		}
	}
	return c.sorted()
}

// setPorts are one rule set's port boundaries, cached.
func (m *Model) setPorts(rs *acl.RuleSet) []uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if out, ok := m.sets[rs]; ok {
		return out
	}
	c := newCuts(1 << 16)
	for _, r := range rs.Rules {
		for _, pr := range append(slices.Clone(r.SourcePorts), r.DestPorts...) {
			if dropPortCut == nil || !dropPortCut(pr) {
				c.span(uint64(pr.Lo), uint64(pr.Hi))
			}
		}
	}
	out := c.sorted()
	m.sets[rs] = out
	return out
}

// endpointPorts are the port boundaries of the rules filtering at address a: the NIC ip
// configurations and private endpoints owning it, or the subnets holding it when nothing does,
// with the ports a NetApp volume answers on when a is its mount target.
func (m *Model) endpointPorts(a netip.Addr) []uint64 {
	var lists [][]uint64
	add := func(e *acl.Effective) {
		for _, rs := range e.Sets {
			if rs != nil {
				lists = append(lists, m.setPorts(rs))
			}
		}
	}
	owners := m.p.Net.Owners(a)
	for _, o := range owners {
		switch o.Kind {
		case model.OwnerNIC:
			add(m.p.ACL.ForIPConfig(o.IPConfig))
		case model.OwnerPrivateEndpoint:
			add(m.p.ACL.ForPrivateEndpoint(o.PrivateEndpoint))
		}
	}
	if c, ok := m.p.Index.IPConfigByPublicIP[a]; ok {
		add(m.p.ACL.ForIPConfig(c))
	}
	if len(owners) == 0 && a.Is4() {
		for _, s := range m.subnets[m.classStart(u32(a))] {
			add(m.p.ACL.ForSubnet(s))
		}
		if m.p.Net.MountTargetAt(a) != nil {
			lists = append(lists, netAppStarts) // a mount target answers on these only (atNetApp)
		}
	}
	return mergeStarts(lists...)
}

// netAppStarts are the port boundaries of the ports a NetApp volume's mount target answers on:
// they cut only the flows to one, not every flow as sharedPorts would (seven ports split every
// port class of the bundled estate's diffs, for 60% more traces).
var netAppStarts = func() []uint64 {
	c := newCuts(1 << 16)
	for _, p := range model.NetAppPorts {
		c.span(uint64(p), uint64(p))
	}
	return c.sorted()
}()

// ownedList is the IPv4 addresses resources own that keep admits, sorted and distinct.
func (m *Model) ownedList(keep func(netip.Addr) bool) []uint32 {
	var owned []uint32
	m.ownedAddrs(func(as ...netip.Addr) {
		for _, x := range as {
			if x = x.Unmap(); x.IsValid() && x.Is4() && keep(x) {
				owned = append(owned, u32(x))
			}
		}
	})
	slices.Sort(owned)
	return slices.Compact(owned)
}

// classStart is the start of the address class holding v.
func (m *Model) classStart(v uint32) uint64 { return startOf(m.addrs, v) }

// startOf is the start, among sorted starts (the first 0), of the class holding v.
func startOf(starts []uint64, v uint32) uint64 {
	i, found := slices.BinarySearch(starts, uint64(v))
	if found {
		return starts[i]
	}
	return starts[i-1]
}

// Classes is the number of address classes.
func (m *Model) Classes() int { return len(m.addrs) - 1 }

// signatures tells addresses apart by the lists that hold them: an address's signature is the
// sum of the random IDs of every list (a rule side, or one prefix) containing it. Addresses in
// exactly the same lists have the same signature, so every route, rule and range treats them
// alike; different lists collide only with probability 2^-64. Lists are recorded as they come;
// finish evaluates the signatures at the points asked for.
type signatures struct {
	spans []sigSpan
	next  uint64
}

type sigSpan struct {
	lo, hi uint32
	id     uint64
}

// mix is splitmix64's finalizer: a well-spread ID from a counter or a prefix.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// signaturePoints is where signatures are read: the plain NICs and the start of every
// behaviour class (which its addresses share), sorted and distinct.
func (m *Model) signaturePoints() []uint32 {
	points := make([]uint32, 0, len(m.plain)+len(m.behav))
	for a := range m.plain {
		points = append(points, a)
	}
	for _, b := range m.behav[:len(m.behav)-1] {
		points = append(points, uint32(b))
	}
	slices.Sort(points)
	return slices.Compact(points)
}

// list adds one list: ps share one ID (a prefix repeated in ps counts twice, for every address
// it holds alike).
func (s *signatures) list(ps []netip.Prefix) {
	s.next++
	id := mix(s.next<<8 | 0xa5)
	for _, p := range ps {
		if sp, ok := prefixSpan(p); ok {
			s.spans = append(s.spans, sigSpan{sp.Lo, sp.Hi, id})
		}
	}
}

// prefix adds p as a list of its own; its ID depends on p alone.
func (s *signatures) prefix(p netip.Prefix) {
	if sp, ok := prefixSpan(p); ok {
		s.spans = append(s.spans, sigSpan{sp.Lo, sp.Hi, mix(uint64(sp.Lo)<<8 | uint64(p.Bits()) | 1<<62)})
	}
}

// finish returns the signature at each of points (sorted, distinct).
func (s *signatures) finish(points []uint32) map[uint32]uint64 {
	diff := make([]uint64, len(points)+1)
	for _, sp := range s.spans {
		i, _ := slices.BinarySearch(points, sp.lo)
		j, found := slices.BinarySearch(points, sp.hi)
		if found {
			j++
		}
		if i < j {
			diff[i] += sp.id
			diff[j] -= sp.id
		}
	}
	out := make(map[uint32]uint64, len(points))
	var sum uint64
	for i, a := range points {
		sum += diff[i]
		out[a] = sum
	}
	s.spans = nil
	return out
}
