package synth

import (
	"fmt"
	"math/rand/v2"
)

// NSGs and route tables of the synthetic estate, with varied but plausible content.

func (g *gen) nsgs() []O {
	r := g.rng(2)
	out := make([]O, g.cfg.NSGs)
	step := 1
	if g.cfg.RulesPerNSG > 0 {
		step = max(1, 3996/g.cfg.RulesPerNSG)
	}
	for t := range out {
		n := nsgSpec{id: g.nsgID(t), location: weu}
		n.name = nameOf(n.id)
		for i := 0; i < g.cfg.RulesPerNSG; i++ {
			rule := g.randomRule(r, t)
			rule.name = fmt.Sprintf("%s-%03d", rule.name, i)
			rule.priority = 100 + i*step
			n.rules = append(n.rules, rule)
		}
		out[t] = n.render()
	}
	return out
}

var (
	commonPorts = []string{"22", "53", "80", "443", "1433", "3389", "5432", "6379", "8080", "8443"}
	protos      = []string{"Tcp", "Tcp", "Tcp", "Tcp", "Udp", "*", "Icmp"}
	outTags     = []string{"Internet", "Storage", "Storage.WestEurope", "Sql.WestEurope", "AzureCloud", "VirtualNetwork"}
)

// randomRule draws one of a dozen rule shapes seen in real estates: tags, CIDRs and CIDR
// lists, ASGs, single ports, port lists and ranges, both directions.
func (g *gen) randomRule(r *rand.Rand, t int) ruleSpec {
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	rule := ruleSpec{inbound: true, allow: r.IntN(5) > 0, proto: pick(protos)}
	switch r.IntN(10) {
	case 0:
		rule.name, rule.src, rule.dst = "vnet-web", l("VirtualNetwork"), l(g.nsgSubnet(t))
		rule.dstPorts = l("80", "443")
	case 1:
		rule.name, rule.src, rule.dstPorts = "onprem-admin", l(fmt.Sprintf("192.168.%d.0/24", r.IntN(256))), l(pick(l("22", "3389")))
	case 2:
		rule.name, rule.src, rule.allow, rule.dstPorts = "internet-mgmt", l("Internet"), false, l("22", "3389")
	case 3:
		a := r.IntN(asgCount(g.cfg))
		rule.name, rule.srcASGs, rule.dstASGs = "asg-app", l(asgID(a)), l(asgID((a+1)%asgCount(g.cfg)))
		rule.dstPorts = l("8080", "8443")
	case 4:
		rule.name, rule.src, rule.allow, rule.proto = "lb-probe", l("AzureLoadBalancer"), true, "*"
	case 5:
		rule.name, rule.src, rule.dst = "spokes-sql", g.randomSpokes(r, 1+r.IntN(3)), l(g.nsgSubnet(t))
		rule.dstPorts = l("1433")
	case 6:
		rule.name, rule.src, rule.srcPorts = "ephemeral", l(g.randomSpokes(r, 1)...), l("1024-65535")
		rule.dstPorts = l(pick(commonPorts))
	case 7:
		rule.name, rule.proto, rule.src, rule.dst = "dns", "Udp", l("*"), l("VirtualNetwork")
		rule.dstPorts = l("53")
	default:
		rule.name, rule.inbound, rule.dst = "out", false, l(pick(outTags))
		rule.dstPorts = l(pick(commonPorts))
		if r.IntN(3) == 0 {
			rule.dstPorts = l(pick(commonPorts), "30000-32767")
		}
	}
	return rule
}

// nsgSubnet is the prefix of a subnet that NSG t is attached to (a plausible destination).
func (g *gen) nsgSubnet(t int) string {
	if g.plan.spokes == 0 {
		return hubWorkload.String()
	}
	slot := t % (3 * g.plan.spokes)
	return g.plan.subnetPrefix(slot/3, slot%3).String()
}

func (g *gen) randomSpokes(r *rand.Rand, n int) []string {
	if g.plan.spokes == 0 {
		return l("10.0.0.0/16")
	}
	out := make([]string, 0, n)
	seen := map[int]bool{}
	for len(out) < n && len(seen) < g.plan.spokes {
		k := r.IntN(g.plan.spokes)
		if !seen[k] {
			seen[k] = true
			out = append(out, g.plan.spokePrefix(k).String())
		}
	}
	return out
}

var hopMix = []string{"VirtualAppliance", "VirtualAppliance", "VirtualAppliance", "VirtualAppliance",
	"VirtualAppliance", "VirtualAppliance", "None", "None", "VirtualNetworkGateway", "Internet"}

// routeTables gives every table 0/0, the spoke supernet and on-premises via the hub
// firewall, then specific /24s of 172.16.0.0/12 with a mix of next hops.
func (g *gen) routeTables() []O {
	r := g.rng(3)
	out := make([]O, g.cfg.RouteTables)
	fixed := []routeSpec{
		{"default-to-firewall", "0.0.0.0/0", "VirtualAppliance", synthFwIP},
		{"spokes-via-firewall", "10.64.0.0/10", "VirtualAppliance", synthFwIP},
		{"onprem-via-firewall", "192.168.0.0/16", "VirtualAppliance", synthFwIP},
	}
	for t := range out {
		tbl := routeTableSpec{id: g.routeTableID(t), location: weu, disableBGP: r.IntN(5) > 0}
		tbl.name = nameOf(tbl.id)
		for i := 0; i < g.cfg.RoutesPerTable; i++ {
			if i < len(fixed) {
				tbl.routes = append(tbl.routes, fixed[i])
				continue
			}
			n := (t*g.cfg.RoutesPerTable + i) % 4096
			rt := routeSpec{name: fmt.Sprintf("udr-%03d", i), prefix: fmt.Sprintf("172.%d.%d.0/24", 16+n/256, n%256),
				hop: hopMix[r.IntN(len(hopMix))]}
			if rt.hop == "VirtualAppliance" {
				rt.hopIP = synthFwIP
			}
			tbl.routes = append(tbl.routes, rt)
		}
		out[t] = tbl.render()
	}
	return out
}
