package flowlog

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Firewall categories (resource-specific tables) read as flows.
const (
	CatNetworkRule     = "AZFWNetworkRule"
	CatApplicationRule = "AZFWApplicationRule"
	CatNatRule         = "AZFWNatRule"
	// Legacy AzureDiagnostics categories whose msg is read.
	CatLegacyNetworkRule     = "AzureFirewallNetworkRule"
	CatLegacyApplicationRule = "AzureFirewallApplicationRule"
)

// firewallCategory is the record's table: category (diagnostic blobs), Type (Log Analytics
// export) or Category, matched case-insensitively and returned in its canonical spelling.
func firewallCategory(w *wireRecord) (string, bool) {
	for _, c := range []string{w.Category, w.Type} {
		for _, known := range []string{CatNetworkRule, CatApplicationRule, CatNatRule, CatLegacyNetworkRule, CatLegacyApplicationRule,
			CatDnsQuery, CatFlowTrace, CatThreatIntel, CatLegacyDnsProxy} {
			if strings.EqualFold(c, known) {
				return known, true
			}
		}
	}
	return "", false
}

// isFirewall reports whether the record is any Azure Firewall log (read or not).
func isFirewall(w *wireRecord) (string, bool) {
	for _, c := range []string{w.Category, w.Type} {
		lc := strings.ToLower(c)
		if strings.HasPrefix(lc, "azfw") || strings.HasPrefix(lc, "azurefirewall") {
			return c, true
		}
	}
	return "", false
}

// parseFirewallTime reads an ISO time with 7-digit fractions, Z or +00:00 (logs.md §1), or
// the Azure portal's CSV export of a "TimeGenerated [UTC]" column, "3/4/2025, 10:15:01.123 AM"
// (UTC: the header says so).
func parseFirewallTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("1/2/2006, 3:04:05 PM", s)
	}
	if err != nil {
		return 0, fmt.Errorf("time %q is not an ISO 8601 time", s)
	}
	ms := t.UnixMilli()
	if ms < minTimeMs || ms > maxTimeMs {
		return 0, fmt.Errorf("time %q is outside 2000-2100", s)
	}
	return ms, nil
}

// firewallProto reads Protocol: TCP, UDP, ICMP (also "ICMP Type=8"), and the application
// protocols HTTP, HTTPS, MSSQL that run over TCP. The first word decides.
func firewallProto(s string) (uint8, error) {
	word, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	switch strings.ToUpper(word) {
	case "TCP", "HTTP", "HTTPS", "MSSQL":
		return ProtoTCP, nil
	case "UDP":
		return ProtoUDP, nil
	case "ICMP":
		return ProtoICMP, nil
	}
	return 0, fmt.Errorf("protocol %q is not TCP, UDP, ICMP, HTTP, HTTPS or MSSQL", s)
}

// fillFirewallHeader fills what every firewall record shares: its time (time, or
// TimeGenerated when time is absent), kind, category and the firewall's resource ID.
func fillFirewallHeader(cat string, w *wireRecord, r *Record) error {
	t := w.Time
	if t == "" {
		t = w.TimeGenerated
	}
	var err error
	if r.TimeMs, err = parseFirewallTime(t); err != nil {
		return err
	}
	r.Kind, r.Category, r.LogID = Firewall, cat, w.ResourceID
	return nil
}

// fillFirewall fills r from a resource-specific AZFW record's columns c.
func fillFirewall(cat string, w *wireRecord, c *fwColumns, r *Record) error {
	err := fillFirewallHeader(cat, w, r)
	if err != nil {
		return err
	}
	if r.Src, err = parseIPv4(strings.TrimSpace(c.SourceIP), "SourceIp"); err != nil {
		return err
	}
	if cat != CatApplicationRule || c.DestinationIP != "" {
		if r.Dst, err = parseIPv4(strings.TrimSpace(c.DestinationIP), "DestinationIp"); err != nil {
			return err
		}
	}
	if r.Proto, err = firewallProto(c.Protocol); err != nil {
		return err
	}
	if r.SrcPort, err = flexPort(c.SourcePort, "SourcePort"); err != nil {
		return err
	}
	if r.DstPort, err = flexPort(c.DestinationPort, "DestinationPort"); err != nil {
		return err
	}
	switch a := strings.ToLower(strings.TrimSpace(c.Action)); {
	case cat == CatNatRule && a == "":
		r.Decision = Allowed // NAT rules log the translation; there is no Action column
	case a == "allow" || a == "dnat" || a == "snat":
		r.Decision = Allowed
	case a == "deny" || a == "drop":
		r.Decision = Denied
	default:
		return fmt.Errorf("Action %q is not Allow or Deny", c.Action)
	}
	r.Policy, r.RuleCollectionGroup, r.RuleCollection, r.Rule = c.Policy, c.RuleCollectionGroup, c.RuleCollection, c.Rule
	r.ActionReason, r.FQDN, r.TargetURL = c.ActionReason, c.Fqdn, c.TargetURL
	if cat == CatApplicationRule && r.FQDN == "" && !r.Dst.IsValid() {
		return fmt.Errorf("application rule record has neither Fqdn nor DestinationIp")
	}
	if cat == CatNatRule {
		if r.TranslatedIP, err = parseIPv4(strings.TrimSpace(c.TranslatedIP), "TranslatedIp"); err != nil {
			return err
		}
		if r.TranslatedPort, err = flexPort(c.TranslatedPort, "TranslatedPort"); err != nil {
			return err
		}
	}
	return nil
}

func flexPort(f flexUint, what string) (uint16, error) {
	if f.bad || f.v > 65535 {
		return 0, fmt.Errorf("%s is not a port number", what)
	}
	return uint16(f.v), nil
}

// fillLegacy fills r from a legacy AzureDiagnostics msg of the network or application rule
// categories (logs.md §4): "TCP request from IP:P to IP:P. Action: Allow|Deny[. Rule Collection:
// C. Rule: R]" and "HTTPS request from IP:P to FQDN:P. Action: Allow. Rule Collection: C. Rule: R".
func fillLegacy(cat string, w *wireRecord, msg string, r *Record) error {
	err := fillFirewallHeader(cat, w, r)
	if err != nil {
		return err
	}
	proto, rest, ok := strings.Cut(strings.TrimSpace(msg), " request from ")
	if !ok {
		return fmt.Errorf("msg %q is not \"PROTO request from ...\"", clip(msg))
	}
	if r.Proto, err = firewallProto(proto); err != nil {
		return err
	}
	from, rest, ok := strings.Cut(rest, " to ")
	if !ok {
		return fmt.Errorf("msg %q has no \" to \"", clip(msg))
	}
	to, rest, ok := strings.Cut(rest, ". Action: ")
	if !ok {
		return fmt.Errorf("msg %q has no \". Action: \"", clip(msg))
	}
	if r.Src, r.SrcPort, err = hostPort(from, r.Proto); err != nil {
		return err
	}
	host, port := to, ""
	if i := strings.LastIndexByte(to, ':'); i >= 0 && r.Proto != ProtoICMP {
		host, port = to[:i], to[i+1:]
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
		r.Dst = a
	} else if cat == CatLegacyApplicationRule {
		r.FQDN = host
	} else {
		return fmt.Errorf("msg %q: destination %q is not an IPv4 address", clip(msg), host)
	}
	if r.DstPort, err = parsePort(port, "destination port"); err != nil {
		return err
	}
	action, rest, _ := strings.Cut(rest, ". ")
	switch strings.TrimSuffix(action, ".") {
	case "Allow":
		r.Decision = Allowed
	case "Deny":
		r.Decision = Denied
	default:
		return fmt.Errorf("msg %q: action %q is not Allow or Deny", clip(msg), action)
	}
	for _, part := range strings.Split(rest, ". ") {
		k, v, _ := strings.Cut(strings.TrimSuffix(part, "."), ": ")
		switch k {
		case "Policy":
			r.Policy = v
		case "Rule Collection Group":
			r.RuleCollectionGroup = v
		case "Rule Collection":
			r.RuleCollection = v
		case "Rule":
			r.Rule = v
		}
	}
	if strings.Contains(rest, "No rule matched") {
		r.ActionReason = "Default Action"
	}
	return nil
}

func hostPort(s string, proto uint8) (netip.Addr, uint16, error) {
	host, port := s, ""
	if i := strings.LastIndexByte(s, ':'); i >= 0 && proto != ProtoICMP {
		host, port = s[:i], s[i+1:]
	}
	a, err := parseIPv4(host, "source")
	if err != nil {
		return a, 0, err
	}
	p, err := parsePort(port, "source port")
	return a, p, err
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
