package synth

import "strings"

// Resource IDs and the builders for the resource kinds that both the example and the
// synthetic estates contain many of. Shapes follow the 2024-07-01 REST GET answers in
// shared/corpus/arm-examples (property names, nesting, child IDs).

const (
	netProvider     = "Microsoft.Network"
	computeProvider = "Microsoft.Compute"
)

// armID builds /subscriptions/<sub>/resourceGroups/<rg>/providers/<provider>/<type>/<name>[/<child>...].
func armID(sub, rg, provider, typ, name string, children ...string) string {
	var b strings.Builder
	b.WriteString("/subscriptions/")
	b.WriteString(sub)
	b.WriteString("/resourceGroups/")
	b.WriteString(rg)
	b.WriteString("/providers/")
	b.WriteString(provider)
	b.WriteByte('/')
	b.WriteString(typ)
	b.WriteByte('/')
	b.WriteString(name)
	for _, c := range children {
		b.WriteByte('/')
		b.WriteString(c)
	}
	return b.String()
}

// netID is armID for Microsoft.Network resources.
func netID(sub, rg, typ, name string, children ...string) string {
	return armID(sub, rg, netProvider, typ, name, children...)
}

// nameOf is the last segment of an ID.
func nameOf(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }

// resource is the common envelope of a GET answer.
func resource(name, id, typ, location string, props O) O {
	o := O{{"name", name}, {"id", id}, {"type", typ}}
	if location != "" {
		o = o.Set("location", location)
	}
	return o.Set("properties", props)
}

// child is the envelope of a child resource listed inside its parent.
func child(name, id, typ string, props O) O {
	return O{{"name", name}, {"id", id}, {"type", typ}, {"properties", props}}
}

func succeeded() O { return O{{"provisioningState", "Succeeded"}} }

// vnetSpec describes a virtual network with inline subnets and peerings, the way
// `az network vnet show` returns it.
type vnetSpec struct {
	id, name, location string
	prefixes           []string
	dns                []string // dhcpOptions.dnsServers; empty = Azure DNS
	subnets            []subnetSpec
	peerings           []peeringSpec
	tags               O
}

type subnetSpec struct {
	name, prefix                string
	nsg, routeTable, natGateway string // IDs, "" for none
	delegation                  string // service name, e.g. Microsoft.Netapp/volumes
	serviceEndpoints            []string
	sePolicies                  []string // service endpoint policy IDs
	pePolicies                  string   // privateEndpointNetworkPolicies; "" = Disabled
	private                     bool     // defaultOutboundAccess=false
}

type peeringSpec struct {
	name, remote   string // remote VNet ID
	remotePrefixes []string
	state          string // Connected, Initiated, Disconnected
	vnetAccess     bool
	forwarded      bool
	gatewayTransit bool
	useRemoteGw    bool
}

func (v vnetSpec) render() O {
	props := succeeded().Set("addressSpace", O{{"addressPrefixes", strs(v.prefixes...)}})
	if len(v.dns) > 0 {
		props = props.Set("dhcpOptions", O{{"dnsServers", strs(v.dns...)}})
	}
	subnets := make([]O, len(v.subnets))
	for i, s := range v.subnets {
		subnets[i] = s.render(v.id, v.location)
	}
	peerings := make([]O, len(v.peerings))
	for i, p := range v.peerings {
		peerings[i] = p.render(v.id)
	}
	props = props.Set("subnets", subnets).Set("virtualNetworkPeerings", peerings).
		Set("enableDdosProtection", false)
	r := O{{"name", v.name}, {"id", v.id}, {"type", "Microsoft.Network/virtualNetworks"}, {"location", v.location}}
	if v.tags != nil {
		r = r.Set("tags", v.tags)
	}
	return r.Set("properties", props)
}

func (s subnetSpec) render(vnetID, location string) O {
	id := vnetID + "/subnets/" + s.name
	p := succeeded().Set("addressPrefix", s.prefix)
	if s.nsg != "" {
		p = p.Set("networkSecurityGroup", ref(s.nsg))
	}
	if s.routeTable != "" {
		p = p.Set("routeTable", ref(s.routeTable))
	}
	if s.natGateway != "" {
		p = p.Set("natGateway", ref(s.natGateway))
	}
	if len(s.serviceEndpoints) > 0 {
		eps := make([]any, len(s.serviceEndpoints))
		for i, svc := range s.serviceEndpoints {
			eps[i] = O{{"provisioningState", "Succeeded"}, {"service", svc}, {"locations", strs(location)}}
		}
		p = p.Set("serviceEndpoints", eps)
	}
	if len(s.sePolicies) > 0 {
		p = p.Set("serviceEndpointPolicies", refs(s.sePolicies...))
	}
	dels := []O{}
	if s.delegation != "" {
		dn := strings.ReplaceAll(s.delegation, "/", ".")
		dels = append(dels, child(dn, id+"/delegations/"+dn, "Microsoft.Network/virtualNetworks/subnets/delegations",
			succeeded().Set("serviceName", s.delegation)))
	}
	p = p.Set("delegations", dels)
	pe := s.pePolicies
	if pe == "" {
		pe = "Disabled"
	}
	p = p.Set("privateEndpointNetworkPolicies", pe).Set("privateLinkServiceNetworkPolicies", "Enabled")
	if s.private {
		p = p.Set("defaultOutboundAccess", false)
	}
	return child(s.name, id, "Microsoft.Network/virtualNetworks/subnets", p)
}

func (p peeringSpec) render(vnetID string) O {
	space := O{{"addressPrefixes", strs(p.remotePrefixes...)}}
	props := succeeded().Set("peeringState", p.state).Set("peeringSyncLevel", "FullyInSync").
		Set("remoteVirtualNetwork", ref(p.remote)).
		Set("allowVirtualNetworkAccess", p.vnetAccess).Set("allowForwardedTraffic", p.forwarded).
		Set("allowGatewayTransit", p.gatewayTransit).Set("useRemoteGateways", p.useRemoteGw).
		Set("doNotVerifyRemoteGateways", false).Set("peerCompleteVnets", true).
		Set("remoteAddressSpace", space).Set("remoteVirtualNetworkAddressSpace", space)
	return child(p.name, vnetID+"/virtualNetworkPeerings/"+p.name,
		"Microsoft.Network/virtualNetworks/virtualNetworkPeerings", props)
}

// nicSpec describes a network interface.
type nicSpec struct {
	id, name, location string
	vm                 string // VM ID, "" when not attached
	nsg                string
	ipForwarding       bool
	accelerated        bool
	dns                []string
	ipconfigs          []ipcSpec
	tags               O
}

type ipcSpec struct {
	name, subnet, ip string
	static           bool
	publicIP         string
	asgs             []string
	pools            []string // load balancer backend pool IDs
}

func (n nicSpec) render() O {
	cfgs := make([]O, len(n.ipconfigs))
	for i, c := range n.ipconfigs {
		cfgs[i] = c.render(n.id, i == 0)
	}
	dns := strs(n.dns...)
	p := succeeded().Set("ipConfigurations", cfgs).
		Set("dnsSettings", O{{"dnsServers", dns}, {"appliedDnsServers", dns}}).
		Set("macAddress", macFor(n.id)).
		Set("enableAcceleratedNetworking", n.accelerated).Set("enableIPForwarding", n.ipForwarding)
	if n.nsg != "" {
		p = p.Set("networkSecurityGroup", ref(n.nsg))
	}
	p = p.Set("primary", true)
	if n.vm != "" {
		p = p.Set("virtualMachine", ref(n.vm))
	}
	p = p.Set("nicType", "Standard")
	r := O{{"name", n.name}, {"id", n.id}, {"type", "Microsoft.Network/networkInterfaces"}, {"location", n.location}}
	if n.tags != nil {
		r = r.Set("tags", n.tags)
	}
	return r.Set("properties", p)
}

func (c ipcSpec) render(nicID string, primary bool) O {
	alloc := "Dynamic"
	if c.static {
		alloc = "Static"
	}
	p := succeeded().Set("privateIPAddress", c.ip).Set("privateIPAllocationMethod", alloc).
		Set("subnet", ref(c.subnet)).Set("primary", primary).Set("privateIPAddressVersion", "IPv4")
	if c.publicIP != "" {
		p = p.Set("publicIPAddress", ref(c.publicIP))
	}
	if len(c.asgs) > 0 {
		p = p.Set("applicationSecurityGroups", refs(c.asgs...))
	}
	if len(c.pools) > 0 {
		p = p.Set("loadBalancerBackendAddressPools", refs(c.pools...))
	}
	return child(c.name, nicID+"/ipConfigurations/"+c.name, "Microsoft.Network/networkInterfaces/ipConfigurations", p)
}

// macFor derives a stable, plausible MAC address from an ID (FNV-1a), so files are
// reproducible byte for byte.
func macFor(id string) string {
	h := fnv32(id)
	const hx = "0123456789ABCDEF"
	b := []byte("00-0D-3A-00-00-00")
	for i := 0; i < 3; i++ {
		v := byte(h >> (8 * i))
		b[9+3*i], b[10+3*i] = hx[v>>4], hx[v&0xf]
	}
	return string(b)
}

// guid derives a stable GUID-shaped string from s.
func guid(s string) string {
	const hx = "0123456789abcdef"
	var b []byte
	for i := 0; i < 4; i++ {
		h := fnv32(s + string(rune('a'+i)))
		for j := 0; j < 8; j++ {
			if n := len(b); n == 8 || n == 13 || n == 18 || n == 23 {
				b = append(b, '-')
			}
			b = append(b, hx[h>>(28-4*j)&0xf])
		}
	}
	return string(b)
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// vmSpec describes a virtual machine; only what ties it to its NICs matters to vnetdoctor.
type vmSpec struct {
	id, name, location, size, os string
	nics                         []string // primary first
}

func (v vmSpec) render() O {
	nics := make([]any, len(v.nics))
	for i, n := range v.nics {
		nics[i] = O{{"id", n}, {"properties", O{{"primary", i == 0}}}}
	}
	p := succeeded().Set("hardwareProfile", O{{"vmSize", v.size}}).
		Set("storageProfile", O{{"osDisk", O{{"osType", v.os}, {"name", v.name + "_OsDisk_1"}}}}).
		Set("networkProfile", O{{"networkInterfaces", nics}})
	return resource(v.name, v.id, "Microsoft.Compute/virtualMachines", v.location, p)
}
