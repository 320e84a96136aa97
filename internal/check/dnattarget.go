package check

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// DNAT sources the leg from an instance address: spec §3.1, §3.3 [FWSNAT, FWNAT-BLOG].
var dnatTargetBlocked = Check{
	Name:     "dnat-target-blocked",
	Code:     CodeDnatTargetBlocked,
	Evidence: []string{"target", "rule"},
	Doc:      "Firewall DNAT rules whose translated target's NSGs do not admit the firewall's instance addresses (often only its frontend IP).",
	Run:      runDnatTargetBlocked,
}

// dnatClient is the internet client used when a DNAT rule admits any source (TEST-NET-3, RFC 5737).
var dnatClient = netip.MustParseAddr("203.0.113.10")

// runDnatTargetBlocked traces each DNAT rule from an allowed internet client to the firewall
// public IP and port it names. After DNAT the source is one of the firewall's instance
// addresses (spec §3.3), so the target's NSGs must admit the whole AzureFirewallSubnet; an NSG
// that admits only the frontend IP is the same mistake as DnsProxyUpstreamBlocked.
func runDnatTargetBlocked(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, fw := range p.Net.Firewalls {
		e := trace.FirewallEngine(p, fw, pass.Options.Assume) // --assume dnat-inherited, as trace
		if e == nil || fw.Subnet == nil || len(fw.Subnet.Prefixes) == 0 {
			continue
		}
		for _, r := range e.Rules(model.NATRules) {
			if f, ok := dnatFinding(p, fw, r, pass.Options); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func dnatFinding(p *dataplane.Plane, fw *model.Firewall, r *firewall.RuleInfo, opts Options) (Finding, bool) {
	q, ok := dnatQuery(fw, r.Rule)
	if !ok {
		return Finding{}, false
	}
	q.Assume = opts.Assume
	a, err := trace.Run(p, q)
	if err != nil || a.Verdict == trace.Reachable || a.Forward.Deciding == nil || !filteredAtTarget(a.Forward) {
		return Finding{}, false // not delivered for another reason (or outside the snapshot): other checks say why
	}
	d := a.Forward.Deciding
	target := fmt.Sprintf("%s:%d", r.Rule.TranslatedAddress, translatedPort(r.Rule, q.DestinationPort))
	nsg := model.ID(d.ResourceID).Name()
	frontendOnly := admitsFrontend(p, fw, r.Rule, q)
	why := "does not admit the firewall's instance addresses"
	switch {
	case a.Verdict == trace.Intermittent:
		why = "admits only some of the firewall's instance addresses"
	case frontendOnly:
		why = "admits the firewall's frontend " + fw.PrivateIP.String() + " but not its instance addresses"
	}
	outcome := string(a.Verdict)
	if c := a.Forward.DropCause; c != "" {
		outcome += " (" + string(c) + ")"
	}
	return Finding{Code: CodeDnatTargetBlocked, Severity: Error,
		Title: fmt.Sprintf("DNAT rule %s of firewall %s → %s is blocked by %s %s", r.ID, fw.Name, target, nsg, d.Rule),
		Message: fmt.Sprintf("After DNAT the firewall sends the flow from one of its instance addresses in %s, not from "+
			"the client or its frontend (spec §3.3); %s %s, so the trace %s:%d → %s is %s.",
			fw.Subnet.Prefixes[0], nsg, why, q.To, q.DestinationPort, target, outcome),
		Resources: ids(fw.ID, r.Holder, model.ID(d.ResourceID)),
		Evidence: map[string]any{"target": target, "rule": r.ID, "nsgRule": d.Rule, "nsg": nsg, "verdict": string(a.Verdict),
			"frontendOnly": frontendOnly, "instanceRange": fw.Subnet.Prefixes[0].String()},
		Fix: fmt.Sprintf("Allow the translated port from the whole AzureFirewallSubnet (%s), not only %s, in %s.",
			fw.Subnet.Prefixes[0], fw.PrivateIP, nsg),
	}, true
}

// dnatQuery is the flow a DNAT rule is for: an allowed internet client to the firewall public IP
// and first port it names, TCP unless the rule is UDP-only. False when the rule cannot be traced.
func dnatQuery(fw *model.Firewall, fr *model.FirewallRule) (trace.Query, bool) {
	if fr == nil || !fr.TranslatedAddress.IsValid() || len(fr.DestPorts) == 0 || fr.DestPorts[0].Lo == 0 {
		return trace.Query{}, false
	}
	dst, ok := dnatAddress(fw, fr)
	if !ok {
		return trace.Query{}, false
	}
	proto := model.ProtoTCP
	if len(fr.Protocols) > 0 && !slices.Contains(fr.Protocols, model.ProtoTCP) && !slices.Contains(fr.Protocols, model.ProtoAny) {
		proto = model.ProtoUDP
	}
	return trace.Query{From: "internet:" + dnatSource(fr).String(), To: dst.String(), Protocol: proto,
		DestinationPort: fr.DestPorts[0].Lo}, true
}

// dnatAddress is the first public IP of fw the rule names ("*" names them all).
func dnatAddress(fw *model.Firewall, fr *model.FirewallRule) (netip.Addr, bool) {
	for _, pip := range fw.PublicIPs {
		if pip == nil || !pip.Address.IsValid() {
			continue
		}
		for _, d := range fr.Destinations {
			if d == "*" || d == pip.Address.String() {
				return pip.Address, true
			}
			if pf, err := netip.ParsePrefix(d); err == nil && pf.Contains(pip.Address) {
				return pip.Address, true
			}
		}
	}
	return netip.Addr{}, false
}

// dnatSource is the first public source address the rule admits, else the documentation client.
func dnatSource(fr *model.FirewallRule) netip.Addr {
	for _, s := range fr.Sources {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() && !a.IsPrivate() {
			return a
		}
		if pf, err := netip.ParsePrefix(s); err == nil && pf.Addr().Is4() && !pf.Addr().IsPrivate() && !pf.Addr().IsUnspecified() {
			return pf.Addr()
		}
	}
	return dnatClient
}

func translatedPort(fr *model.FirewallRule, port uint16) uint16 {
	if fr.TranslatedPort != 0 {
		return fr.TranslatedPort
	}
	return port
}

// filteredAtTarget reports whether the leg was dropped, or only partly allowed, by the target's
// NSGs or admin rules after the firewall translated it.
func filteredAtTarget(l *trace.Leg) bool {
	s := l.Deciding.Step
	return (s == trace.StepNsgInbound || s == trace.StepAdminRule) && len(l.Hops) > 0 && l.Hops[0].Kind == trace.HopInternet &&
		slices.ContainsFunc(l.Hops, func(h *trace.Hop) bool { return h.Kind == trace.HopFirewall })
}

// admitsFrontend reports whether the target's inbound rules would admit the flow from the
// firewall's frontend IP: the tell-tale of the mistake.
func admitsFrontend(p *dataplane.Plane, fw *model.Firewall, fr *model.FirewallRule, q trace.Query) bool {
	var c *model.IPConfig
	for _, o := range p.Net.Owners(fr.TranslatedAddress) {
		if o.IPConfig != nil {
			c = o.IPConfig
		}
	}
	if c == nil || p.ACL == nil {
		return false
	}
	eff := p.ACL.ForIPConfig(c)
	if eff == nil {
		return true
	}
	f := acl.Flow{Src: fw.PrivateIP, Dst: fr.TranslatedAddress, Proto: q.Protocol, SrcPort: trace.DefaultSourcePort,
		DstPort: translatedPort(fr, q.DestinationPort)}
	return eff.Evaluate(model.Inbound, f).Allowed
}
