// Package convert turns Azure wire objects into the vendor-independent network model,
// resolving every reference once and recording what it could not resolve as warnings.
package convert

import (
	"fmt"
	"io"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Options controls Load.
type Options struct {
	// SkipInvalid loads the readable files and lists the others as Skipped warnings.
	SkipInvalid bool
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Parsed shares parse trees with Loads given the same cache (azure.Options.Parsed).
	Parsed *azure.Parsed
}

// Load reads snapshot files and directories (cli.md "Snapshot input") into a frozen model.
// Bad input is an *azure.InputError naming the file and JSON path.
func Load(paths []string, opt Options) (*model.Network, error) {
	s, err := azure.Load(paths, azure.Options{SkipInvalid: opt.SkipInvalid, Stdin: opt.Stdin, Parsed: opt.Parsed})
	if err != nil {
		return nil, err
	}
	return Convert(s)
}

// FromBytes converts one in-memory file named name.
func FromBytes(name string, data []byte) (*model.Network, error) {
	s, err := azure.DecodeFile(name, data)
	if err != nil {
		return nil, err
	}
	s.Info = azure.Identify(name, data)
	return Convert(s)
}

// Convert builds the model from wire objects. The result is frozen. Values were validated
// by the decoder, so conversion itself finds only warnings today; the error is kept for
// checks that need the whole snapshot (an *azure.InputError naming a wire object's Src).
func Convert(s *azure.Snapshot) (*model.Network, error) {
	b := newBuilder(s)
	for _, note := range s.Notes {
		b.n.Warn(note.Code, "", note.File+": "+note.Msg)
	}
	steps := []func(){
		b.buildASGs, b.buildNSGs, b.buildRouteTables, b.buildPublicIPs, b.buildNATGateways, b.buildIPGroups, b.buildFirewallPolicies,
		b.buildVNets, b.buildNATSubnets, b.buildLoadBalancers, b.buildNICs, b.buildLBBackends, b.buildVMs, b.buildPrivateEndpoints, b.buildFirewalls,
		b.buildVNetGateways, b.buildLocalGateways, b.buildConnections, b.buildRouteServers, b.buildLearned, b.buildAdminRules, b.buildNetAppVolumes, b.buildAppGateways, b.buildServiceTags, b.buildDNS,
		b.buildConnectivity, // after VNets, peerings and gateways (connectivity.go)
		b.buildVWAN,         // after VNets and firewalls (vwan.go)
	}
	for _, step := range steps {
		step()
	}
	for t, c := range s.Unknown {
		if containerTypes[strings.ToLower(t)] {
			b.n.Counts[t] += c // read through its children: not "ignored"
			continue
		}
		b.n.Unknown[t] += c
	}
	b.validate()
	b.n.Snapshot = s.Info
	b.n.Freeze()
	return b.n, nil
}

// builder holds the conversion state: the model being built and indexes by ID key.
type builder struct {
	s *azure.Snapshot
	n *model.Network

	vnets     map[string]*model.VNet
	subnets   map[string]*model.Subnet
	nsgs      map[string]*model.NSG
	asgs      map[string]*model.ASG
	rts       map[string]*model.RouteTable
	pips      map[string]*model.PublicIP
	prefixes  map[string]*azure.PublicIPPrefix
	nats      map[string]*model.NATGateway
	ipGroups  map[string]*model.IPGroup
	policies  map[string]*model.FirewallPolicy
	ipconfigs map[string]*model.IPConfig
	nics      map[string]*model.NIC
	peNICs    []*azure.NetworkInterface // NICs a private endpoint manages, in input order
	frontends map[string]*model.Frontend
	pools     map[string]*model.BackendPool
	lbNAT     map[string]*model.InboundNATRule
	gateways  map[string]*model.VNetGateway
	locals    map[string]*model.LocalGateway

	lbWire  []*azure.LoadBalancer // deduplicated, for lbBackends
	natWire []*azure.NATGateway   // deduplicated, for natSubnets

	keys map[string]string // ID as written → key (builder.key)
}

func newBuilder(s *azure.Snapshot) *builder {
	// The indexes by ID are sized for the resources that fill most of them (NICs and their ip
	// configurations, VMs, subnets), not grown from empty: rehashing them was a tenth of
	// converting the 10,000-NIC estate.
	var size, nics, subnets int
	if s != nil {
		nics, subnets = len(s.NICs), len(s.Subnets)
		size = 2*nics + len(s.VMs) + subnets + len(s.VNets) + len(s.NSGs) + len(s.ASGs)
	}
	n := &model.Network{ServiceTags: map[string]*model.ServiceTag{}, Counts: map[string]int{}, Unknown: map[string]int{}}
	n.SizeIndex(size)
	return &builder{
		s:     s,
		n:     n,
		vnets: map[string]*model.VNet{}, subnets: make(map[string]*model.Subnet, subnets), nsgs: map[string]*model.NSG{},
		asgs: map[string]*model.ASG{}, rts: map[string]*model.RouteTable{}, pips: map[string]*model.PublicIP{},
		prefixes: map[string]*azure.PublicIPPrefix{}, nats: map[string]*model.NATGateway{},
		ipGroups: map[string]*model.IPGroup{}, policies: map[string]*model.FirewallPolicy{},
		ipconfigs: make(map[string]*model.IPConfig, nics), nics: make(map[string]*model.NIC, nics),
		frontends: map[string]*model.Frontend{}, pools: map[string]*model.BackendPool{},
		lbNAT: map[string]*model.InboundNATRule{}, gateways: map[string]*model.VNetGateway{},
		locals: map[string]*model.LocalGateway{}, keys: make(map[string]string, size),
	}
}

// containerTypes hold nothing vnetdoctor needs themselves, but their child resources are
// read (admin rules, NetApp volumes), so summary must not list them as ignored.
var containerTypes = map[string]bool{
	"microsoft.network/networkmanagers":             true,
	"microsoft.netapp/netappaccounts":               true,
	"microsoft.netapp/netappaccounts/capacitypools": true,
}

func key(id string) string { return strings.ToLower(id) }

// key is the package's key of id, remembered: the converter looks most IDs up several times
// (a rule's NSG fifty times over), and lower-casing them was a third of converting an estate.
func (b *builder) key(id string) string {
	k, ok := b.keys[id]
	if !ok {
		k = key(id)
		b.keys[id] = k
	}
	return k
}

// count records one resource of canonical type t.
func (b *builder) count(t string) { b.n.Counts[t]++ }

// dangling warns that from references a missing resource (named by kind and ID).
func (b *builder) dangling(from model.ID, kind, to string) {
	b.n.AddMissing(from, model.ID(to))
	b.n.Warn(model.WarnDanglingReference, from, fmt.Sprintf("%s references %s %s, which is not in the snapshot", from, kind, to))
}

// wire is any azure wire object: each embeds azure.Meta (its ID, name and source).
type wire interface{ Header() *azure.Meta }

// dedup keeps one object per ID (the last one read, cli.md) in first-seen order, warning on
// repeats. Objects without an ID cannot be referenced: they are dropped with a warning.
func dedup[T wire](b *builder, items []T) []T {
	pos := make(map[string]int, len(items))
	out := make([]T, 0, len(items))
	for _, it := range items {
		m := it.Header()
		if m.ID == "" {
			b.n.Warn("InvalidValue", "", fmt.Sprintf("%s: a %s without an id was ignored", m.Src, m.Type))
			continue
		}
		k := b.key(m.ID)
		if i, dup := pos[k]; dup {
			b.n.Warn("Duplicate", model.ID(m.ID), fmt.Sprintf("%s appears more than once; the last copy (%s) wins", m.ID, m.Src))
			out[i] = it
			continue
		}
		pos[k] = len(out)
		out = append(out, it)
	}
	return out
}

// childID names an inline child without an ID after its parent (hand-written snapshots).
func childID(m *azure.Meta, parent, segment string) {
	if m.ID == "" && m.Name != "" && parent != "" {
		m.ID = parent + "/" + segment + "/" + m.Name
	}
}

// location normalises "West US" to "westus".
func location(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
