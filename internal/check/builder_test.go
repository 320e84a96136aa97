package check

import (
	"context"
	"encoding/binary"
	"net/netip"
	"strconv"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// estate builds small models in Go for unit tests; scenario tests load JSON snapshots instead.
type estate struct{ n *model.Network }

const sub = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"

func newEstate() *estate { return &estate{n: &model.Network{}} }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func (e *estate) vnet(name, loc string, prefixes ...string) *model.VNet {
	v := &model.VNet{ID: model.ID(sub + "Microsoft.Network/virtualNetworks/" + name), Name: name, Location: loc}
	for _, p := range prefixes {
		v.AddressSpace = append(v.AddressSpace, pfx(p))
	}
	e.n.VNets = append(e.n.VNets, v)
	e.n.Index(v.ID, v)
	return v
}

func (e *estate) subnet(v *model.VNet, name, prefix string) *model.Subnet {
	s := &model.Subnet{ID: v.ID + "/subnets/" + model.ID(name), Name: name, VNet: v,
		Prefixes: []netip.Prefix{pfx(prefix)}, DefaultOutboundAccess: true}
	v.Subnets = append(v.Subnets, s)
	e.n.Subnets = append(e.n.Subnets, s)
	e.n.Index(s.ID, s)
	return s
}

// link adds a's peering link to b with the given state.
func (e *estate) link(a, b *model.VNet, state string) *model.Peering {
	p := &model.Peering{ID: a.ID + "/virtualNetworkPeerings/" + model.ID(a.Name+"-to-"+b.Name), Name: a.Name + "-to-" + b.Name,
		Local: a, Remote: b, RemoteID: b.ID, State: state, AllowVirtualNetworkAccess: true, AllowForwardedTraffic: true, PeerCompleteVNets: true}
	a.Peerings = append(a.Peerings, p)
	return p
}

// peer adds Connected links both ways.
func (e *estate) peer(a, b *model.VNet) {
	e.link(a, b, "Connected")
	e.link(b, a, "Connected")
}

func (e *estate) nic(s *model.Subnet, vm, addr string) *model.NIC {
	n := &model.NIC{ID: model.ID(sub + "Microsoft.Network/networkInterfaces/" + vm + "-nic"), Name: vm + "-nic", VMName: vm}
	c := &model.IPConfig{ID: n.ID + "/ipConfigurations/ipconfig1", Name: "ipconfig1", NIC: n, Subnet: s,
		PrivateIP: ip(addr), Primary: true}
	n.IPConfigs = []*model.IPConfig{c}
	e.n.NICs = append(e.n.NICs, n)
	e.n.Index(n.ID, n)
	return n
}

func (e *estate) routeTable(name string, routes ...*model.Route) *model.RouteTable {
	rt := &model.RouteTable{ID: model.ID(sub + "Microsoft.Network/routeTables/" + name), Name: name, Routes: routes}
	e.n.RouteTables = append(e.n.RouteTables, rt)
	e.n.Index(rt.ID, rt)
	return rt
}

func udr(name, prefix string, hop model.NextHopType, nextHop string) *model.Route {
	r := &model.Route{Name: name, Prefix: pfx(prefix), NextHopType: hop}
	if nextHop != "" {
		r.NextHopIP = ip(nextHop)
	}
	return r
}

func (e *estate) nsg(name string, rules ...*model.SecurityRule) *model.NSG {
	g := &model.NSG{ID: model.ID(sub + "Microsoft.Network/networkSecurityGroups/" + name), Name: name, Rules: rules}
	e.n.NSGs = append(e.n.NSGs, g)
	e.n.Index(g.ID, g)
	return g
}

func (e *estate) firewall(s *model.Subnet, name, addr string, pips int) *model.Firewall {
	fw := &model.Firewall{ID: model.ID(sub + "Microsoft.Network/azureFirewalls/" + name), Name: name, Subnet: s, PrivateIP: ip(addr)}
	for i := 0; i < pips; i++ {
		fw.PublicIPs = append(fw.PublicIPs, e.publicIP(name+"-pip"+string(rune('0'+i)), "20.0.0."+string(rune('1'+i))))
	}
	e.n.Firewalls = append(e.n.Firewalls, fw)
	e.n.Index(fw.ID, fw)
	return fw
}

func (e *estate) publicIP(name, addr string) *model.PublicIP {
	p := &model.PublicIP{ID: model.ID(sub + "Microsoft.Network/publicIPAddresses/" + name), Name: name, Address: ip(addr), Sku: "Standard"}
	e.n.PublicIPs = append(e.n.PublicIPs, p)
	e.n.Index(p.ID, p)
	return p
}

func (e *estate) privateEndpoint(s *model.Subnet, name, addr, target string) *model.PrivateEndpoint {
	pe := &model.PrivateEndpoint{ID: model.ID(sub + "Microsoft.Network/privateEndpoints/" + name), Name: name, Subnet: s,
		IPs: []netip.Addr{ip(addr)}, Connections: []model.PrivateLinkConnection{{Name: name, Target: model.ID(target),
			GroupIDs: []string{"blob"}, Status: "Approved"}}}
	e.n.PrivateEndpoints = append(e.n.PrivateEndpoints, pe)
	e.n.Index(pe.ID, pe)
	return pe
}

// plane freezes the network and returns a data plane without routes or rules (model-only checks).
func (e *estate) plane() *dataplane.Plane {
	e.n.Freeze()
	return &dataplane.Plane{Net: e.n}
}

// only returns the findings of one code.
func only(fs []Finding, code Code) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// runCheck runs one registered check by code on p.
func runCheck(t *testing.T, p *dataplane.Plane, code Code) []Finding {
	t.Helper()
	for _, c := range Registry() {
		if c.Code == code {
			fs := RunOne(context.Background(), c, p, DefaultOptions())
			Sort(fs)
			return fs
		}
	}
	t.Fatalf("no check %s", code)
	return nil
}

func (e *estate) volume(s *model.Subnet, name, features string) *model.NetAppVolume {
	v := &model.NetAppVolume{ID: model.ID(sub + "Microsoft.NetApp/netAppAccounts/acc/capacityPools/pool/volumes/" + name),
		Name: name, Subnet: s, NetworkFeatures: features}
	e.n.NetAppVolumes = append(e.n.NetAppVolumes, v)
	return v
}

func itoa(i int) string { return strconv.Itoa(i) }

// addrIn returns the IPv4 address i places after base.
func addrIn(base string, i int) string {
	a := ip(base).As4()
	v := binary.BigEndian.Uint32(a[:]) + uint32(i)
	binary.BigEndian.PutUint32(a[:], v)
	return netip.AddrFrom4(a).String()
}

// ilb adds an internal load balancer with an HA-ports rule to a pool of the given NICs.
func (e *estate) ilb(s *model.Subnet, name, addr string, nics ...*model.NIC) *model.LoadBalancer {
	lb := &model.LoadBalancer{ID: model.ID(sub + "Microsoft.Network/loadBalancers/" + name), Name: name, Sku: "Standard"}
	fe := &model.Frontend{ID: lb.ID + "/frontendIPConfigurations/fe", Name: "fe", LB: lb, PrivateIP: ip(addr), Subnet: s}
	pool := &model.BackendPool{ID: lb.ID + "/backendAddressPools/pool", Name: "pool", LB: lb}
	for _, n := range nics {
		pool.IPConfigs = append(pool.IPConfigs, n.IPConfigs[0])
		n.IPConfigs[0].BackendPools = append(n.IPConfigs[0].BackendPools, pool)
	}
	lb.Frontends, lb.BackendPools = []*model.Frontend{fe}, []*model.BackendPool{pool}
	lb.Rules = []*model.LBRule{{Name: "ha", Frontend: fe, Pool: pool, Protocol: model.ProtoAny}}
	e.n.LoadBalancers = append(e.n.LoadBalancers, lb)
	e.n.Index(lb.ID, lb)
	return lb
}
