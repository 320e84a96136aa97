package flowlog

import (
	"fmt"
	"strings"
)

// The firewall tables that are not rule decisions (learn.microsoft.com azure-monitor/reference/
// tables/azfwdnsquery, azfwflowtrace, azfwthreatintel; logs.md §4), read as records of their own
// Category so views can tell them from rule hits.
const (
	CatDnsQuery    = "AZFWDnsQuery"
	CatFlowTrace   = "AZFWFlowTrace"
	CatThreatIntel = "AZFWThreatIntel"
	// Legacy AzureDiagnostics categories of the DNS proxy and threat intelligence.
	CatLegacyDnsProxy    = "AzureFirewallDnsProxy"
	CatLegacyThreatIntel = "AzureFirewallThreatIntelLog"
)

// IsRuleDecision reports whether records of the firewall category cat are rule decisions
// (network, application, NAT rules): DNS queries, flow traces and threat intelligence hits
// are not.
func IsRuleDecision(cat string) bool {
	switch cat {
	case CatDnsQuery, CatFlowTrace, CatThreatIntel, CatLegacyDnsProxy, CatLegacyThreatIntel:
		return false
	}
	return true
}

// fillMore fills r from a resource-specific DNS query, flow trace or threat intelligence
// record. A DNS query goes to the firewall's DNS proxy: it has no destination address, the
// queried name is FQDN, the port 53 and ActionReason the response code (and error, if any).
// A flow trace's Flag (SYN-ACK, FIN, FIN-ACK, RST, INVALID) is its ActionReason; a threat
// intelligence hit's ThreatDescription is its ActionReason and Action Alert counts as Allowed.
func fillMore(cat string, w *wireRecord, c *fwColumns, r *Record) error {
	err := fillFirewallHeader(cat, w, r)
	if err != nil {
		return err
	}
	if r.Src, err = parseIPv4(strings.TrimSpace(c.SourceIP), "SourceIp"); err != nil {
		return err
	}
	if r.SrcPort, err = flexPort(c.SourcePort, "SourcePort"); err != nil {
		return err
	}
	proto := c.Protocol
	if cat == CatDnsQuery && strings.TrimSpace(proto) == "" {
		proto = "udp" // a query without Protocol: DNS's default transport
	}
	if r.Proto, err = firewallProto(proto); err != nil {
		return err
	}
	if cat == CatDnsQuery {
		r.DstPort, r.FQDN = 53, strings.TrimSuffix(c.QueryName, ".")
		r.ActionReason = strings.TrimSpace(c.ResponseCode + " " + c.ErrorMessage)
		return nil
	}
	if r.Dst, err = parseIPv4(strings.TrimSpace(c.DestinationIP), "DestinationIp"); err != nil {
		return err
	}
	if r.DstPort, err = flexPort(c.DestinationPort, "DestinationPort"); err != nil {
		return err
	}
	switch a := strings.ToLower(strings.TrimSpace(c.Action)); a {
	case "allow", "alert", "":
		r.Decision = Allowed
	case "deny", "drop":
		r.Decision = Denied
	default:
		return fmt.Errorf("Action %q is not Allow, Alert or Deny", c.Action)
	}
	r.ActionReason = c.Flag
	if cat == CatThreatIntel {
		r.ActionReason, r.FQDN, r.TargetURL = c.ThreatDescription, c.Fqdn, c.TargetURL
	}
	return nil
}

// fillLegacyDNS fills r from the DNS proxy's legacy msg (logs.md §4): "DNS Request:
// 10.0.1.5:53211 – 41000 A IN example.com. udp 44 false 512 NOERROR qr,rd,ra 60 0.001s",
// the separator an en dash; an error line adds " Error: ...".
func fillLegacyDNS(w *wireRecord, msg string, r *Record) error {
	err := fillFirewallHeader(CatLegacyDnsProxy, w, r)
	if err != nil {
		return err
	}
	if e, ok := strings.CutPrefix(strings.TrimSpace(msg), "Error: "); ok {
		return legacyDNSError(e, r)
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(msg), "DNS Request: ")
	if !ok {
		return fmt.Errorf("msg %q is not \"DNS Request: ...\"", clip(msg))
	}
	from, rest, ok := strings.Cut(rest, " – ")
	if !ok {
		from, rest, ok = strings.Cut(rest, " - ")
	}
	if !ok {
		return fmt.Errorf("msg %q has no \" – \" after the client", clip(msg))
	}
	if r.Src, r.SrcPort, err = hostPort(strings.TrimSpace(from), ProtoUDP); err != nil {
		return err
	}
	f := strings.Fields(rest)
	// QID TYPE CLASS NAME PROTO REQSIZE DO EDNS0 RCODE ...
	if len(f) < 9 {
		return fmt.Errorf("msg %q: want id, type, class, name, protocol, sizes and response code", clip(msg))
	}
	r.FQDN, r.DstPort = strings.TrimSuffix(f[3], "."), 53
	if r.Proto, err = firewallProto(f[4]); err != nil {
		return err
	}
	r.ActionReason = f[8]
	if _, e, ok := strings.Cut(msg, " Error: "); ok {
		r.ActionReason += " " + strings.TrimSpace(e)
	}
	return nil
}

// legacyDNSError reads the DNS proxy's failed upstream query: "Error: 2 NAME TYPE: read udp
// A:P->B:53: i/o timeout" (logs.md §4): from the firewall instance A to the upstream server B.
func legacyDNSError(e string, r *Record) error {
	f := strings.Fields(e)
	i := strings.Index(e, "->")
	if len(f) < 3 || i < 0 {
		return fmt.Errorf("msg %q: want \"Error: N NAME TYPE: read PROTO A:P->B:P: reason\"", clip(e))
	}
	r.FQDN = strings.TrimSuffix(f[1], ".")
	before, after := e[:i], e[i+2:]
	from := before[strings.LastIndexByte(before, ' ')+1:]
	to, reason, _ := strings.Cut(after, ": ")
	proto := ProtoUDP
	if strings.Contains(before, " tcp ") {
		proto = ProtoTCP
	}
	var err error
	r.Proto = proto
	if r.Src, r.SrcPort, err = hostPort(from, proto); err != nil {
		return err
	}
	if r.Dst, r.DstPort, err = hostPort(to, proto); err != nil {
		return err
	}
	r.ActionReason = "Error: " + strings.TrimSpace(reason)
	return nil
}
