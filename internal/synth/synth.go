package synth

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// Config sizes a synthetic estate. Generation is deterministic: the same Config gives the
// same bytes. Values beyond what the address plan holds are clamped (see Normalize).
type Config struct {
	VNets            int // 1 hub (firewall + VPN gateway) and VNets-1 spokes peered with it
	NICs             int // one VM each; about every 10th NIC has a second ip configuration
	NSGs             int
	RulesPerNSG      int
	RouteTables      int
	RoutesPerTable   int
	PrivateEndpoints int
	Seed             uint64
}

// Estate is the default benchmark estate: 1,000 VNets hub-and-spoke, 10,000 NICs,
// 1,000 NSGs x 50 rules, 500 route tables x 20 routes, 200 private endpoints.
func Estate() Config {
	return Config{VNets: 1000, NICs: 10000, NSGs: 1000, RulesPerNSG: 50, RouteTables: 500,
		RoutesPerTable: 20, PrivateEndpoints: 200, Seed: 1}
}

// Limits of the address plan: spokes are carved out of 10.64.0.0/10 (at most 16,384 of
// them, /24 each at that size); NSG priorities span 100-4096 (spec §2.2); a route table
// holds at most 400 routes [LIM] and the generator's unique prefixes at most 4,096.
const (
	maxSpokes       = 1 << 14
	maxRulesPerNSG  = 1000
	maxRoutesPerTbl = 400
)

// Normalize clamps the configuration to what the address plan can hold.
func (c Config) Normalize() Config {
	c.VNets = clamp(c.VNets, 1, maxSpokes+1)
	c.NSGs, c.RouteTables = max(c.NSGs, 0), max(c.RouteTables, 0)
	c.RulesPerNSG = clamp(c.RulesPerNSG, 0, maxRulesPerNSG)
	c.RoutesPerTable = clamp(c.RoutesPerTable, 0, maxRoutesPerTbl)
	p := newPlan(c)
	c.NICs = clamp(c.NICs, 0, p.nicCapacity())
	c.PrivateEndpoints = clamp(c.PrivateEndpoints, 0, p.peCapacity())
	return c
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

// Counts are the resources a generated estate contains, child resources included.
type Counts struct {
	VNets, Subnets, Peerings          int
	NICs, IPConfigs, VMs              int // NICs and IPConfigs include private endpoint NICs
	NSGs, SecurityRules, DefaultRules int
	ASGs                              int
	RouteTables, Routes               int
	PrivateEndpoints                  int
	Firewalls, FirewallPolicies       int
	RuleCollectionGroups, IPGroups    int
	PublicIPs, VNetGateways           int
	LocalGateways, Connections        int
	PaaSTargets                       int // storage accounts, SQL servers, key vaults (unmodelled types)
}

// Expected returns the counts Generate(c) produces.
func (c Config) Expected() Counts {
	c = c.Normalize()
	spokes := c.VNets - 1
	ipcs := ipConfigs(c.NICs)
	return Counts{
		VNets: c.VNets, Subnets: hubSubnets(c) + 3*spokes, Peerings: 2 * spokes,
		NICs: c.NICs + c.PrivateEndpoints, IPConfigs: ipcs + c.PrivateEndpoints, VMs: c.NICs,
		NSGs: c.NSGs, SecurityRules: c.NSGs * c.RulesPerNSG, DefaultRules: 6 * c.NSGs, ASGs: asgCount(c),
		RouteTables: c.RouteTables, Routes: c.RouteTables * c.RoutesPerTable,
		PrivateEndpoints: c.PrivateEndpoints, Firewalls: 1, FirewallPolicies: 1, RuleCollectionGroups: 2,
		IPGroups: 2, PublicIPs: 2, VNetGateways: 1, LocalGateways: 1, Connections: 1,
		PaaSTargets: c.PrivateEndpoints,
	}
}

// ByType returns the counts keyed by ARM resource type, as a loader would tally them.
func (n Counts) ByType() map[string]int {
	return map[string]int{
		"Microsoft.Network/virtualNetworks":                            n.VNets,
		"Microsoft.Network/virtualNetworks/subnets":                    n.Subnets,
		"Microsoft.Network/virtualNetworks/virtualNetworkPeerings":     n.Peerings,
		"Microsoft.Network/networkInterfaces":                          n.NICs,
		"Microsoft.Network/networkInterfaces/ipConfigurations":         n.IPConfigs,
		"Microsoft.Compute/virtualMachines":                            n.VMs,
		"Microsoft.Network/networkSecurityGroups":                      n.NSGs,
		"Microsoft.Network/networkSecurityGroups/securityRules":        n.SecurityRules,
		"Microsoft.Network/networkSecurityGroups/defaultSecurityRules": n.DefaultRules,
		"Microsoft.Network/applicationSecurityGroups":                  n.ASGs,
		"Microsoft.Network/routeTables":                                n.RouteTables,
		"Microsoft.Network/routeTables/routes":                         n.Routes,
		"Microsoft.Network/privateEndpoints":                           n.PrivateEndpoints,
		"Microsoft.Network/azureFirewalls":                             n.Firewalls,
		"Microsoft.Network/firewallPolicies":                           n.FirewallPolicies,
		"Microsoft.Network/firewallPolicies/ruleCollectionGroups":      n.RuleCollectionGroups,
		"Microsoft.Network/ipGroups":                                   n.IPGroups,
		"Microsoft.Network/publicIPAddresses":                          n.PublicIPs,
		"Microsoft.Network/virtualNetworkGateways":                     n.VNetGateways,
		"Microsoft.Network/localNetworkGateways":                       n.LocalGateways,
		"Microsoft.Network/connections":                                n.Connections,
	}
}

// Generate builds the estate: file name -> compact ARM JSON ({"value": [...]}, one resource
// per line). Large kinds are split into several files so a loader can parse in parallel.
func Generate(cfg Config) map[string][]byte {
	cfg = cfg.Normalize()
	g := newGen(cfg)
	e := newEstate()
	e.add("vnets.json", g.vnets()...)
	nics, vms := g.hosts()
	addChunked(e, "nics", nics, 2500)
	addChunked(e, "vms", vms, 5000)
	addChunked(e, "nsgs", g.nsgs(), 250)
	e.add("asgs.json", g.asgs()...)
	e.add("routes.json", g.routeTables()...)
	pes, paas := g.privateEndpoints()
	e.add("privatelink.json", pes...)
	e.add("paas.json", paas...)
	e.add("firewall.json", g.firewall()...)
	e.add("edge.json", g.edge()...)
	for f, rs := range e.files {
		if len(rs) == 0 {
			delete(e.files, f)
		}
	}
	out := e.encode(false)
	out["servicetags.json"] = append(appendJSON(nil, hubSpokeServiceTags()), '\n')
	return out
}

func addChunked(e *estate, base string, rs []O, size int) {
	for i := 0; i < len(rs); i += size {
		e.add(fmt.Sprintf("%s-%02d.json", base, i/size), rs[i:min(i+size, len(rs))]...)
	}
}

// WriteDir generates the estate into dir (created if needed).
func WriteDir(cfg Config, dir string) error { return WriteFiles(dir, Generate(cfg)) }

// WriteFiles writes files (name → content) into dir, created if needed, in name order so that
// a failure names the same file on every run.
func WriteFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
