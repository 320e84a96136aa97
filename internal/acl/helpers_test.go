package acl

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/model/modeltest"
)

// Short names for the shared builders keep the test tables on one line each.
var (
	pfx       = modeltest.Prefix
	ip        = modeltest.Addr
	pfxs      = modeltest.Prefixes
	newNet    = modeltest.NewNetwork
	addTag    = modeltest.AddTag
	addVNet   = modeltest.AddVNet
	addSubnet = modeltest.AddSubnet
)

func addNSG(n *model.Network, name string, rules ...*model.SecurityRule) *model.NSG {
	g := &model.NSG{ID: model.ID("/nsgs/" + name), Name: name, Rules: rules}
	n.NSGs = append(n.NSGs, g)
	return g
}

func addASG(n *model.Network, name string) *model.ASG {
	g := &model.ASG{ID: model.ID("/asgs/" + name), Name: name}
	n.ASGs = append(n.ASGs, g)
	return g
}

// addNIC adds a NIC with one ip configuration and returns the ip configuration.
func addNIC(n *model.Network, name string, s *model.Subnet, addr string, nsg *model.NSG, asgs ...*model.ASG) *model.IPConfig {
	nic := &model.NIC{ID: model.ID("/nics/" + name), Name: name, NSG: nsg}
	c := &model.IPConfig{ID: nic.ID + "/ipconfigs/ipconfig1", Name: "ipconfig1", NIC: nic, Subnet: s,
		PrivateIP: ip(addr), Primary: true, ASGs: asgs}
	nic.IPConfigs = []*model.IPConfig{c}
	n.NICs = append(n.NICs, nic)
	return c
}

// peer links a and b, both links Connected.
func peer(a, b *model.VNet) (ab, ba *model.Peering) {
	return modeltest.Peer(a, b, "Connected", "Connected")
}

// rule makes an NSG rule. src, dst and ports are comma-separated; "*" means any.
func rule(name string, prio int, dir model.Direction, acc model.Access, proto model.Protocol, src, dst, dports string) *model.SecurityRule {
	return &model.SecurityRule{Name: name, Priority: prio, Direction: dir, Access: acc, Protocol: proto,
		Sources: strings.Split(src, ","), Destinations: strings.Split(dst, ","),
		SourcePorts: ports("*"), DestPorts: ports(dports)}
}

func ports(s string) []model.PortRange {
	var out []model.PortRange
	for _, p := range strings.Split(s, ",") {
		if p == "*" {
			out = append(out, model.AllPorts)
			continue
		}
		lo, hi, found := strings.Cut(p, "-")
		if !found {
			hi = lo
		}
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		out = append(out, model.PortRange{Lo: uint16(l), Hi: uint16(h)})
	}
	return out
}

func adminRule(name string, prio int, dir model.Direction, acc model.Access, src, dst, dports string, vnets ...*model.VNet) *model.AdminRule {
	ar := &model.AdminRule{ID: model.ID("/networkManagers/nm1/securityAdminConfigurations/cfg/ruleCollections/coll/rules/" + name),
		Name: name, Configuration: "cfg", Collection: "coll", Priority: prio, Direction: dir, Access: acc,
		Protocol: model.ProtoAny, DestPorts: ports(dports), AppliesTo: vnets}
	for _, s := range strings.Split(src, ",") {
		ar.Sources = append(ar.Sources, adminAddr(s))
	}
	for _, d := range strings.Split(dst, ",") {
		ar.Destinations = append(ar.Destinations, adminAddr(d))
	}
	return ar
}

func adminAddr(s string) model.AdminAddress {
	if p, err := netip.ParsePrefix(s); err == nil {
		return model.AdminAddress{Prefix: s, Canonical: p}
	}
	return model.AdminAddress{Prefix: s, IsTag: s != "*"}
}

// build freezes n and builds the real FIB and the ACL.
func build(t testing.TB, n *model.Network) (*ACL, []model.Warning) {
	t.Helper()
	n.Freeze()
	f, _ := fib.Build(n)
	return Build(n, f)
}

func tcp(src, dst string, dport uint16) Flow {
	return Flow{Src: ip(src), Dst: ip(dst), Proto: model.ProtoTCP, SrcPort: 49152, DstPort: dport}
}

// describe renders a result as "Allowed|Denied level=rule ...", levels in evaluation order;
// "-" is a level without rules, "nomatch" a level where no rule matched.
func describe(r Result) string {
	parts := []string{"Denied"}
	if r.Allowed {
		parts[0] = "Allowed"
	}
	for _, lr := range r.Levels[:r.N] {
		what := "-"
		switch {
		case lr.Rule != nil:
			what = lr.Rule.Name
		case lr.Present:
			what = "nomatch"
		}
		parts = append(parts, lr.Level.String()+"="+what)
	}
	return strings.Join(parts, " ")
}
