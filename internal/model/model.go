// Package model is vnetdoctor's vendor-independent, immutable picture of an Azure network.
//
// The model is built once by internal/azure/convert and never changed afterwards: every
// reference between resources is resolved to a pointer at build time, addresses are
// net/netip values, and whatever the converter could not resolve is recorded as a Warning
// rather than guessed. Questions (routes, rules, traces, checks) read it concurrently.
package model

import (
	"net/netip"
	"strings"
)

// ID is an Azure resource ID exactly as the snapshot spelled it. Azure IDs compare
// case-insensitively; use Key to index them.
// learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules (names are case-insensitive).
type ID string

// Key is the canonical (lower-case) form of an ID, used as a map key.
func (id ID) Key() string { return strings.ToLower(string(id)) }

// Name is the last segment of the ID.
func (id ID) Name() string {
	s := string(id)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// VMName is the name of the VM that ID id (a NIC's virtualMachine.id) names: its last segment,
// or for an instance of a scale set in Uniform orchestration
// (.../virtualMachineScaleSets/SS/virtualMachines/N) SS_N, as Azure names it: "Uniform
// orchestration mode: {scale-set-name}_{instance-id}"
// (learn.microsoft.com/azure/virtual-machine-scale-sets/virtual-machine-scale-sets-instance-ids).
// Its last segment alone, the instance ID, is the same number in every scale set.
func (id ID) VMName() string {
	// The last four segments, split from the end without allocating: this runs for every NIC.
	rest, inst := cutLast(string(id))
	rest, vms := cutLast(rest)
	rest, set := cutLast(rest)
	_, sets := cutLast(rest)
	if strings.EqualFold(sets, "virtualMachineScaleSets") && strings.EqualFold(vms, "virtualMachines") {
		return set + "_" + inst
	}
	return inst
}

// cutLast splits s at its last '/': what comes before, and the last segment.
func cutLast(s string) (string, string) {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return "", s
}

// Equal reports whether two IDs name the same resource.
func (id ID) Equal(o ID) bool { return strings.EqualFold(string(id), string(o)) }

// Warning is something the converter could not model faithfully: a dangling reference,
// a value it does not understand, a feature vnetdoctor does not implement.
type Warning struct {
	Code     string // e.g. DanglingReference, Unsupported, InvalidValue, Skipped
	Resource ID     // the resource that carries the problem, when there is one
	Message  string // one human sentence
}

// WarnDanglingReference is the Warning code of a reference to a resource the snapshot does not
// hold; summary counts these warnings.
const WarnDanglingReference = "DanglingReference"

// Network is a whole snapshot: every resource of the kinds vnetdoctor models.
// Slices are in a deterministic order (by ID key) so answers are reproducible.
type Network struct {
	VNets            []*VNet
	Subnets          []*Subnet
	NICs             []*NIC
	VMs              []*VM
	NSGs             []*NSG
	ASGs             []*ASG
	RouteTables      []*RouteTable
	PublicIPs        []*PublicIP
	NATGateways      []*NATGateway
	PrivateEndpoints []*PrivateEndpoint
	Firewalls        []*Firewall
	FirewallPolicies []*FirewallPolicy
	IPGroups         []*IPGroup
	VNetGateways     []*VNetGateway
	LocalGateways    []*LocalGateway
	Connections      []*Connection
	LoadBalancers    []*LoadBalancer
	AdminRules       []*AdminRule
	NetAppVolumes    []*NetAppVolume
	AppGateways      []*AppGateway
	RouteServers     []*RouteServer // routeserver.go
	VirtualWANs      []*VirtualWAN  // vwan.go
	VirtualHubs      []*VirtualHub  // vwan.go: Virtual WAN hubs, by ID
	// DNS (spec §8).
	PrivateDNSZones    []*PrivateDNSZone
	ForwardingRulesets []*DNSForwardingRuleset
	ResolverInbounds   []*DNSResolverInbound

	// ServiceTags maps a lower-case tag name ("storage", "storage.westeurope") to its prefixes.
	ServiceTags map[string]*ServiceTag

	// Counts is the number of resources read per canonical type name
	// (e.g. "Microsoft.Network/virtualNetworks"), including child resources.
	Counts map[string]int
	// Unknown counts resources of types vnetdoctor does not read, per type as spelled.
	Unknown map[string]int
	// Warnings lists dangling references, unmodelled features and values Azure would refuse,
	// ordered by resource ID, code and message (Freeze), not in the order they were found.
	Warnings []Warning
	// missing holds, per resource (ID.Key), the references the snapshot lacks (AddMissing);
	// missingNIC the first VM with a missing NIC (VMMissingNIC).
	missing    map[string][]ID
	missingNIC struct {
		vm  *VM
		nic ID
	}
	// Snapshot says which files the network was read from and when.
	Snapshot SnapshotInfo

	byKey  map[string]any
	owners ownerIndex
	// nicNames and vmNames index NICs by lower-case NIC name and VM name, in NICs order
	// (built by Freeze; nil before, when lookups scan).
	nicNames, vmNames map[string][]*NIC
	// peNames indexes private endpoints by every lower-case name PrivateEndpointsNamed accepts.
	peNames map[string][]*PrivateEndpoint
}

// ServiceTag is one entry of a service tags file.
// spec §2.4 [TAG].
type ServiceTag struct {
	Name     string // as spelled in the file, e.g. "Storage.WestEurope"
	Region   string
	Prefixes []netip.Prefix // IPv4 and IPv6 as published
}

// Lookup returns the resource with the given ID (any kind), matched case-insensitively. An
// ASCII ID is lower-cased on the stack: traces look their endpoints up by ID, once per packet.
func (n *Network) Lookup(id ID) (any, bool) {
	var buf [512]byte
	if k, ok := lowerASCII(buf[:0], string(id)); ok {
		r, ok := n.byKey[string(k)]
		return r, ok
	}
	r, ok := n.byKey[id.Key()]
	return r, ok
}

// lowerASCII appends s lower-cased to b when s is ASCII and fits b's capacity (then it equals
// strings.ToLower(s)); false otherwise.
func lowerASCII(b []byte, s string) ([]byte, bool) {
	if len(s) > cap(b)-len(b) {
		return b, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return b, false
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b, true
}

// SizeIndex makes room in the index by ID for about size resources. Only the converter calls
// it, before Index; once the index holds a resource it does nothing.
func (n *Network) SizeIndex(size int) {
	if n.byKey == nil {
		n.byKey = make(map[string]any, size)
	}
}

// Index registers a resource under its ID. Only the converter calls it, before Freeze.
func (n *Network) Index(id ID, r any) {
	if n.byKey == nil {
		n.byKey = make(map[string]any)
	}
	n.byKey[id.Key()] = r
}

// Warn appends a warning. Only the converter calls it.
// AddMissing records that resource from references to, which the snapshot lacks (the converter
// calls it with every DanglingReference warning).
func (n *Network) AddMissing(from, to ID) {
	if n.missing == nil {
		n.missing = map[string][]ID{}
	}
	n.missing[from.Key()] = append(n.missing[from.Key()], to)
}

// MissingFrom lists the references of resource from that the snapshot lacks, in the order
// found: answers that depend on them are Unknown (cli.md "Every command": input integrity).
func (n *Network) MissingFrom(from ID) []ID {
	if len(n.missing) == 0 { // the usual case, asked for every NIC: no key to make
		return nil
	}
	return n.missing[from.Key()]
}

// VMMissingNIC returns the first VM (by ID) that references a NIC the snapshot lacks, and that
// NIC's ID: an address nothing owns may be that NIC's. Found once by Freeze.
func (n *Network) VMMissingNIC() (*VM, ID, bool) {
	if n.missingNIC.vm == nil {
		return nil, "", false
	}
	return n.missingNIC.vm, n.missingNIC.nic, true
}

func (n *Network) findVMMissingNIC() {
	for _, vm := range nonNil(n.VMs) {
		if m := n.MissingFrom(vm.ID); len(m) > 0 {
			n.missingNIC.vm, n.missingNIC.nic = vm, m[0]
			return
		}
	}
}

func (n *Network) Warn(code string, res ID, msg string) {
	n.Warnings = append(n.Warnings, Warning{Code: code, Resource: res, Message: msg})
}

// Tag returns the service tag with the given name (case-insensitive).
func (n *Network) Tag(name string) (*ServiceTag, bool) {
	t, ok := n.ServiceTags[strings.ToLower(name)]
	return t, ok
}
