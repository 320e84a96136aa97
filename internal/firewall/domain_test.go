package firewall

import (
	"slices"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// TestDomains: a rule's domain is the packets it may match: a network rule's addresses, ports
// and protocol; every destination for an application rule (it matches names); a DNAT rule's
// firewall address.
func TestDomains(t *testing.T) {
	p := policy("p", nil, group("g", 100,
		natColl("nat", 100, natRule("ssh", "*", "20.0.0.1", 2222, "10.1.0.4", 22)),
		netColl("net", 200, model.FwAllow, netRule("web", "10.1.0.0/16", "10.2.0.0/24,10.3.0.4", model.ProtoUDP, "53,443-445")),
		appColl("app", 300, model.FwAllow, appRule("out", "10.1.0.0/16", "*.example.com", 443))))
	e, _ := Compile(testFirewall(p), nil)
	got := map[string]Domain{}
	for _, k := range []model.RuleKind{model.NATRules, model.NetworkRules, model.ApplicationRules} {
		e.Domains(k, func(info *RuleInfo, d Domain) { got[info.Name] = d })
	}
	web := got["web"]
	if web.AnySrc || web.AnyDst || !web.Src.Contains(ip("10.1.200.9")) || web.Src.Contains(ip("10.2.0.1")) ||
		!web.Dst.Contains(ip("10.3.0.4")) || web.Dst.Contains(ip("10.3.0.5")) || !slices.Equal(web.Protocols, []model.Protocol{model.ProtoUDP}) ||
		web.AnyPort || !slices.Equal(web.Ports, parsePorts("53,443-445")) {
		t.Errorf("network rule: %+v", web)
	}
	if ssh := got["ssh"]; !ssh.AnySrc || ssh.AnyDst || !ssh.Dst.Contains(ip("20.0.0.1")) || !slices.Equal(ssh.Protocols, []model.Protocol{model.ProtoTCP}) {
		t.Errorf("DNAT rule: %+v", ssh)
	}
	if out := got["out"]; !out.AnyDst || !slices.Equal(out.Protocols, []model.Protocol{model.ProtoTCP}) || !slices.Equal(out.Ports, parsePorts("443")) {
		t.Errorf("application rule: %+v", out)
	}
}
