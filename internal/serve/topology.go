package serve

import (
	"context"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// Topology is the answer of /api/topology: the estate as the UI draws it. It describes what
// the snapshot holds (regions ⊃ VNets ⊃ subnets, peerings with their state, on-premises
// networks); it decides nothing about packets. Devices are listed per VNet on request
// (/api/topology?vnet=), so a 1,000-VNet estate's first answer stays small.
type Topology struct {
	Regions    []Region  `json:"regions"`
	VNets      []VNet    `json:"vnets,omitempty"`
	OnPremises []OnPrem  `json:"onPremises"`
	Devices    []*Device `json:"devices,omitempty"` // with ?vnet=: the VNet's devices
}

// Region is one Azure region and the VNets in it.
type Region struct {
	Name  string   `json:"name"`
	VNets []string `json:"vnets"` // IDs
}

// VNet is a virtual network with its subnets and its own peering links.
type VNet struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Location     string    `json:"location"`
	AddressSpace []string  `json:"addressSpace"`
	Subnets      []Subnet  `json:"subnets"`
	Peerings     []Peering `json:"peerings"`
	Devices      int       `json:"devices"` // how many /api/topology?vnet= lists
	Gateways     int       `json:"gateways"`
	Firewalls    int       `json:"firewalls"`
}

// Subnet is a subnet and how many devices sit in it.
type Subnet struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Prefixes []string `json:"prefixes"`
	NSG      string   `json:"nsg,omitempty"`
	Routes   string   `json:"routeTable,omitempty"`
	Devices  int      `json:"devices"`
}

// Peering is one VNet's link to another, as the snapshot records it.
type Peering struct {
	ID                    string `json:"id"`
	Name                  string `json:"name"`
	Remote                string `json:"remote"` // remote VNet ID as recorded
	State                 string `json:"state"`
	Active                bool   `json:"active"` // both links exist and are Connected
	AllowForwardedTraffic bool   `json:"allowForwardedTraffic"`
	AllowGatewayTransit   bool   `json:"allowGatewayTransit"`
	UseRemoteGateways     bool   `json:"useRemoteGateways"`
}

// OnPrem is a local network gateway: an on-premises network.
type OnPrem struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Prefixes []string `json:"prefixes"`
}

// Device kinds, each drawn with its own shape.
const (
	KindVM       = "vm"
	KindNVA      = "nva" // a NIC with IP forwarding
	KindNIC      = "nic" // a NIC without a VM
	KindFirewall = "firewall"
	KindGateway  = "gateway"
	KindPE       = "privateEndpoint"
	KindLB       = "loadBalancer"
	KindNAT      = "natGateway"
	KindNetApp   = "netapp"
)

// Device is something with an address in a subnet (or attached to one).
type Device struct {
	Kind    string   `json:"kind"`
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	VM      string   `json:"vm,omitempty"`
	Address string   `json:"address,omitempty"`
	VNet    string   `json:"vnet"`
	Subnet  string   `json:"subnet,omitempty"`
	Aliases []string `json:"aliases,omitempty"` // other IDs that trace hops may name (a PE's NIC, a VM)
	State   string   `json:"state,omitempty"`   // a private endpoint's connection status
}

// topology is the prepared picture: the VNet level and the devices of each VNet, plus an index
// for search. Built once; the snapshot never changes.
type topology struct {
	base    Topology
	devices map[string][]*Device // by VNet ID key
	all     []*Device
	byID    map[string]*Device // device ID and aliases, lower case

	baseOnce sync.Once
	baseJSON *encoded // base as /api/topology writes it: 2.8 MB on the 1,000-VNet estate, encoded once
	baseErr  error
}

// encodedBase returns the VNet-level answer's bytes and their gzip (90 KB of the 1,000-VNet
// estate's 2.8 MB), encoding them on first use (Warm does).
func (t *topology) encodedBase() (*encoded, error) {
	t.baseOnce.Do(func() {
		t.baseErr = encodeAnswer(t.base, nil, func(b []byte) { t.baseJSON, t.baseErr = newEncoded(b) })
	})
	return t.baseJSON, t.baseErr
}

func (s *Server) topology() *topology {
	s.tonce.Do(func() { s.topo = buildTopology(s.snap.Plane.Net) })
	return s.topo
}

func prefixes(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func buildTopology(n *model.Network) *topology {
	t := &topology{devices: map[string][]*Device{}, byID: map[string]*Device{}}
	add := func(d *Device, sub *model.Subnet) {
		if sub == nil || sub.VNet == nil {
			return
		}
		d.VNet, d.Subnet = string(sub.VNet.ID), string(sub.ID)
		k := sub.VNet.ID.Key()
		t.devices[k] = append(t.devices[k], d)
		t.all = append(t.all, d)
		for _, id := range append([]string{d.ID}, d.Aliases...) {
			if _, dup := t.byID[strings.ToLower(id)]; !dup {
				t.byID[strings.ToLower(id)] = d
			}
		}
	}
	addDevices(n, add)
	regions := map[string]*Region{}
	for _, v := range n.VNets {
		loc := v.Location
		if loc == "" {
			loc = "unknown"
		}
		r := regions[loc]
		if r == nil {
			r = &Region{Name: loc}
			regions[loc] = r
		}
		r.VNets = append(r.VNets, string(v.ID))
		t.base.VNets = append(t.base.VNets, t.vnet(v))
	}
	for _, r := range regions {
		t.base.Regions = append(t.base.Regions, *r)
	}
	sort.Slice(t.base.Regions, func(i, j int) bool { return t.base.Regions[i].Name < t.base.Regions[j].Name })
	t.base.OnPremises = []OnPrem{}
	for _, l := range n.LocalGateways {
		t.base.OnPremises = append(t.base.OnPremises, OnPrem{ID: string(l.ID), Name: l.Name, Prefixes: prefixes(l.Prefixes)})
	}
	return t
}

func (t *topology) vnet(v *model.VNet) VNet {
	out := VNet{ID: string(v.ID), Name: v.Name, Location: v.Location, AddressSpace: prefixes(v.AddressSpace),
		Subnets: []Subnet{}, Peerings: []Peering{}}
	count := map[string]int{}
	for _, d := range t.devices[v.ID.Key()] {
		count[strings.ToLower(d.Subnet)]++
		out.Devices++
		switch d.Kind {
		case KindGateway:
			out.Gateways++
		case KindFirewall:
			out.Firewalls++
		}
	}
	for _, s := range v.Subnets {
		sub := Subnet{ID: string(s.ID), Name: s.Name, Prefixes: prefixes(s.Prefixes), Devices: count[s.ID.Key()]}
		if s.NSG != nil {
			sub.NSG = s.NSG.Name
		}
		if s.RouteTable != nil {
			sub.Routes = s.RouteTable.Name
		}
		out.Subnets = append(out.Subnets, sub)
	}
	for _, p := range v.Peerings {
		out.Peerings = append(out.Peerings, Peering{ID: string(p.ID), Name: p.Name, Remote: string(p.RemoteID),
			State: p.State, Active: p.Active(), AllowForwardedTraffic: p.AllowForwardedTraffic,
			AllowGatewayTransit: p.AllowGatewayTransit, UseRemoteGateways: p.UseRemoteGateways})
	}
	return out
}

// addDevices lists every device of n with the subnet it sits in.
func addDevices(n *model.Network, add func(*Device, *model.Subnet)) {
	peNICs := map[string]bool{}
	for _, pe := range n.PrivateEndpoints {
		d := &Device{Kind: KindPE, ID: string(pe.ID), Name: pe.Name}
		if pe.NICID != "" {
			d.Aliases = []string{string(pe.NICID)}
			peNICs[pe.NICID.Key()] = true
		}
		if len(pe.IPs) > 0 {
			d.Address = pe.IPs[0].String()
		}
		if len(pe.Connections) > 0 {
			d.State = pe.Connections[0].Status
		}
		add(d, pe.Subnet)
	}
	for _, nic := range n.NICs {
		if nic == nil || peNICs[nic.ID.Key()] {
			continue
		}
		ipc := nic.Primary()
		if ipc == nil {
			continue
		}
		d := &Device{Kind: KindNIC, ID: string(nic.ID), Name: nic.Name, VM: nic.VMName}
		switch {
		case nic.IPForwarding:
			d.Kind = KindNVA
		case nic.VMName != "":
			d.Kind = KindVM
		}
		if nic.VMID != "" {
			d.Aliases = []string{string(nic.VMID)}
		}
		if ipc.PrivateIP.IsValid() {
			d.Address = ipc.PrivateIP.String()
		}
		add(d, ipc.Subnet)
	}
	for _, f := range n.Firewalls {
		d := &Device{Kind: KindFirewall, ID: string(f.ID), Name: f.Name}
		if f.PrivateIP.IsValid() {
			d.Address = f.PrivateIP.String()
		}
		add(d, f.Subnet)
	}
	for _, g := range n.VNetGateways {
		d := &Device{Kind: KindGateway, ID: string(g.ID), Name: g.Name}
		if len(g.PrivateIPs) > 0 {
			d.Address = g.PrivateIPs[0].String()
		}
		sub := g.Subnet
		if sub == nil && g.VNet != nil {
			sub = g.VNet.SubnetNamed(model.GatewaySubnetName)
		}
		add(d, sub)
	}
	for _, lb := range n.LoadBalancers {
		d := &Device{Kind: KindLB, ID: string(lb.ID), Name: lb.Name}
		add(d, lbSubnet(lb, d))
	}
	for _, g := range n.NATGateways {
		if len(g.Subnets) > 0 {
			add(&Device{Kind: KindNAT, ID: string(g.ID), Name: g.Name}, g.Subnets[0])
		}
	}
	for _, v := range n.NetAppVolumes {
		add(&Device{Kind: KindNetApp, ID: string(v.ID), Name: v.Name}, v.Subnet)
	}
}

// lbSubnet is where a load balancer is drawn: its first private frontend's subnet, else its
// first backend's subnet. It sets d.Address to the frontend address it chose.
func lbSubnet(lb *model.LoadBalancer, d *Device) *model.Subnet {
	for _, f := range lb.Frontends {
		if f.Subnet != nil {
			if f.PrivateIP.IsValid() {
				d.Address = f.PrivateIP.String()
			}
			return f.Subnet
		}
	}
	for _, f := range lb.Frontends {
		if f.PublicIP != nil && f.PublicIP.Address.IsValid() {
			d.Address = f.PublicIP.Address.String()
			break
		}
	}
	for _, p := range lb.BackendPools {
		for _, c := range p.IPConfigs {
			if c.Subnet != nil {
				return c.Subnet
			}
		}
	}
	return nil
}

func (s *Server) apiTopology(ctx context.Context, q url.Values) (any, error) {
	p, err := params(q, "vnet")
	if err != nil {
		return nil, err
	}
	t := s.topology()
	ref := p["vnet"]
	if ref == "" {
		return t.encodedBase()
	}
	for _, v := range s.snap.Plane.Net.VNets {
		if v.ID.Equal(model.ID(ref)) || strings.EqualFold(v.Name, ref) {
			ds := t.devices[v.ID.Key()]
			if ds == nil {
				ds = []*Device{}
			}
			return Topology{Regions: []Region{}, VNets: []VNet{t.vnet(v)}, OnPremises: []OnPrem{}, Devices: ds}, ctx.Err()
		}
	}
	return nil, &model.NotFoundError{Kind: "virtual network", Ref: ref}
}

// Hit is one search result.
type Hit struct {
	Kind    string `json:"kind"` // vnet, subnet, or a device kind
	ID      string `json:"id"`
	Name    string `json:"name"`
	VNet    string `json:"vnet"`
	Subnet  string `json:"subnet,omitempty"`
	Address string `json:"address,omitempty"`
}

// maxHits bounds a search answer.
const maxHits = 50

// apiSearch finds VNets, subnets and devices by name (substring, any case), by ID, or by IP
// address (the device that has it, else the subnets that contain it).
func (s *Server) apiSearch(ctx context.Context, q url.Values) (any, error) {
	p, err := params(q, "q")
	if err != nil {
		return nil, err
	}
	term := strings.TrimSpace(p["q"])
	if term == "" {
		return nil, paramf("q= is required: a name, a resource ID or an IP address")
	}
	t := s.topology()
	hits := []Hit{}
	dev := func(d *Device) Hit {
		return Hit{Kind: d.Kind, ID: d.ID, Name: d.Name, VNet: d.VNet, Subnet: d.Subnet, Address: d.Address}
	}
	if d, ok := t.byID[strings.ToLower(term)]; ok {
		return []Hit{dev(d)}, nil
	}
	if addr, err := netip.ParseAddr(term); err == nil {
		for _, d := range t.all {
			if d.Address == addr.String() {
				hits = append(hits, dev(d))
			}
		}
		for _, sub := range s.snap.Plane.Net.Subnets {
			if len(hits) < maxHits && sub.VNet != nil && sub.Contains(addr) {
				hits = append(hits, Hit{Kind: "subnet", ID: string(sub.ID), Name: sub.VNet.Name + "/" + sub.Name, VNet: string(sub.VNet.ID), Subnet: string(sub.ID)})
			}
		}
		return hits, nil
	}
	low := strings.ToLower(term)
	for _, v := range s.snap.Plane.Net.VNets {
		if len(hits) < maxHits && (strings.Contains(strings.ToLower(v.Name), low) || v.ID.Key() == low) {
			hits = append(hits, Hit{Kind: "vnet", ID: string(v.ID), Name: v.Name, VNet: string(v.ID)})
		}
		for _, sub := range v.Subnets {
			if len(hits) < maxHits && (strings.Contains(strings.ToLower(sub.Name), low) || sub.ID.Key() == low) {
				hits = append(hits, Hit{Kind: "subnet", ID: string(sub.ID), Name: v.Name + "/" + sub.Name, VNet: string(v.ID), Subnet: string(sub.ID)})
			}
		}
	}
	for _, d := range t.all {
		if len(hits) >= maxHits {
			break
		}
		if strings.Contains(strings.ToLower(d.Name), low) || strings.Contains(strings.ToLower(d.VM), low) {
			hits = append(hits, dev(d))
		}
	}
	return hits, ctx.Err()
}

// checkReport is the check answer exactly as render.CheckJSON writes it.
func checkReport(fs []check.Finding) render.CheckReport {
	if fs == nil {
		fs = []check.Finding{}
	}
	return render.CheckReport{Findings: fs}
}
