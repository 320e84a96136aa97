package check

import (
	"fmt"
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// spec §3.5 [FWDNS]; forwarding from instance addresses, §3.1.
var dnsProxyUpstreamBlocked = Check{
	Name:     "dns-proxy-upstream-blocked",
	Code:     CodeDNSProxyUpstreamBlocked,
	Evidence: []string{"dnsServer", "rule"},
	Doc:      "Firewall DNS proxies that cannot reach an upstream DNS server, clients using a firewall without DNS proxy, and FQDN network rules without DNS proxy.",
	Run:      runDNSProxyUpstreamBlocked,
}

// runDNSProxyUpstreamBlocked traces, for each firewall with DNS proxy, UDP/53 from the firewall
// (its instance addresses, spec §3.1, §3.5) to each upstream server; Azure DNS is platform and
// always reachable (spec §2.6). A trace that is not Reachable is an Error naming the deciding rule.
func runDNSProxyUpstreamBlocked(pass *Pass) []Finding {
	p := pass.Plane
	var out []Finding
	for _, fw := range p.Net.Firewalls {
		if !fw.DNSProxyEnabled() {
			out = append(out, noProxyFindings(p.Net, fw)...)
			continue
		}
		if fw.Subnet == nil || len(fw.Subnet.Prefixes) == 0 {
			continue // a Virtual WAN hub firewall: no subnet to trace from
		}
		for _, srv := range fw.DNSProxyUpstreams() {
			if srv == model.AzurePlatformIP || !srv.IsValid() {
				continue
			}
			if f, ok := upstreamFinding(p, fw, srv, pass.Options); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func upstreamFinding(p *dataplane.Plane, fw *model.Firewall, srv netip.Addr, opts Options) (Finding, bool) {
	a, err := trace.Run(p, trace.Query{From: string(fw.ID), To: srv.String(), Protocol: model.ProtoUDP, DestinationPort: model.DNSPort,
		Assume: opts.Assume})
	if err != nil || a.Verdict == trace.Reachable {
		return Finding{}, false // an upstream outside the snapshot cannot be judged
	}
	leg := a.Forward
	if a.Return != nil && a.Forward.Disposition != trace.Dropped && a.Return.Disposition == trace.Dropped {
		leg = a.Return
	}
	rule, holder, cause := "", "", string(leg.DropCause)
	if leg.Deciding != nil {
		rule, holder = leg.Deciding.Rule, leg.Deciding.ResourceID
	}
	holderName := model.ID(holder).Name()
	what := "is blocked"
	if a.Verdict == trace.Intermittent {
		what = "is blocked from some firewall instances"
	}
	return Finding{Code: CodeDNSProxyUpstreamBlocked, Severity: Error,
		Title: fmt.Sprintf("Firewall %s DNS proxy → %s UDP/53 %s (%s %s)", fw.Name, srv, what, holderName, rule),
		Message: fmt.Sprintf("%s forwards DNS queries to %s from its instance addresses, not its frontend %s; the trace "+
			"is %s (%s at %s, rule %s): clients using the firewall as DNS server time out.",
			fw.Name, srv, fw.PrivateIP, a.Verdict, cause, holderName, rule),
		Resources: ids(fw.ID, model.ID(holder)),
		Evidence: map[string]any{"dnsServer": srv.String(), "rule": rule, "nsg": holderName, "verdict": string(a.Verdict),
			"dropCause": cause, "firewallFrontend": fw.PrivateIP.String(), "instanceRange": fw.Subnet.Prefixes[0].String()},
		Fix: fmt.Sprintf("Allow UDP and TCP 53 from the whole AzureFirewallSubnet (%s), not only the frontend %s, in %s.",
			fw.Subnet.Prefixes[0], fw.PrivateIP, holderName),
	}, true
}

// noProxyFindings covers a firewall without DNS proxy: VNets or NICs that use it as their DNS
// server get no answers, and network rules with destination FQDNs cannot resolve (spec §3.5).
func noProxyFindings(n *model.Network, fw *model.Firewall) []Finding {
	var out []Finding
	var clients []model.ID
	for _, v := range n.VNets {
		if containsAddr(v.DNSServers, fw.PrivateIP) {
			clients = append(clients, v.ID)
		}
	}
	for _, nic := range n.NICs {
		if containsAddr(nic.DNSServers, fw.PrivateIP) {
			clients = append(clients, nic.ID)
		}
	}
	if len(clients) > 0 && fw.PrivateIP.IsValid() {
		out = append(out, Finding{Code: CodeDNSProxyUpstreamBlocked, Severity: Error,
			Title:     fmt.Sprintf("%d VNets/NICs use firewall %s as DNS server, but its DNS proxy is off", len(clients), fw.Name),
			Message:   fmt.Sprintf("DNS servers set to %s (firewall %s) get no answer: the firewall listens on port 53 only with DNS proxy enabled.", fw.PrivateIP, fw.Name),
			Resources: append(ids(fw.ID), ids(clients...)...),
			Evidence:  map[string]any{"dnsServer": fw.PrivateIP.String(), "rule": "", "issue": "ClientsUseFirewallWithoutProxy"},
			Fix:       "Enable DNS proxy on the firewall (policy dnsSettings.enableProxy), or point the clients at a DNS server.",
		})
	}
	var rules []string
	var holder model.ID
	for _, c := range firewallCollections(fw) {
		for _, r := range c.rc.Rules {
			if c.rc.Kind == model.NetworkRules && len(r.DestFQDNs) > 0 {
				rules, holder = append(rules, c.path+"/"+r.Name), c.holder
			}
		}
	}
	if len(rules) > 0 {
		out = append(out, Finding{Code: CodeDNSProxyUpstreamBlocked, Severity: Error,
			Title:     fmt.Sprintf("Firewall %s has %d network rules with FQDNs but DNS proxy is off", fw.Name, len(rules)),
			Message:   "Network rules with destination FQDNs need the firewall's DNS proxy to resolve them consistently with the clients.",
			Resources: ids(fw.ID, holder),
			Evidence:  map[string]any{"dnsServer": "", "rule": rules[0], "rules": rules, "issue": "FqdnNetworkRuleWithoutProxy"},
			Fix:       "Enable DNS proxy and point the clients' DNS at the firewall, or use application rules or IP addresses.",
		})
	}
	return out
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}
