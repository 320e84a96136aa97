package firewall

import "strings"

// fqdnPattern is one target FQDN of an application rule (or a network rule's destination FQDN).
//
// Wildcards, per the Azure Firewall FAQ ("How do wildcards work in target URLs and target
// FQDNs in application rules?", learn.microsoft.com/azure/firewall/firewall-faq): an asterisk
// works only on the left-most side and means literally anything to its left, so
// "*.contoso.com" matches "any.contoso.com" and "sub1.any.contoso.com" but not
// "contoso.com", and "*contoso.com" matches "contoso.com" and "example.anycontoso.com".
// "*" alone matches every name. "www.contoso.*" and "*.contoso.*" are not supported.
// Names compare case-insensitively, ignoring a trailing dot.
type fqdnPattern struct {
	all    bool   // "*"
	suffix bool   // a left-most "*": match names ending with text
	text   string // lower-case, no trailing dot, without the leading "*"
}

// parseFQDN reads a pattern; ok is false for an unsupported one (a "*" anywhere but the left).
// Wildcards only on the left: learn.microsoft.com/azure/firewall/firewall-faq.
func parseFQDN(s string) (fqdnPattern, bool) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	switch {
	case s == "*":
		return fqdnPattern{all: true}, true
	case s == "":
		return fqdnPattern{}, false
	case strings.HasPrefix(s, "*"):
		rest := s[1:]
		if rest == "" || strings.Contains(rest, "*") {
			return fqdnPattern{}, false
		}
		return fqdnPattern{suffix: true, text: rest}, true
	case strings.Contains(s, "*"):
		return fqdnPattern{}, false
	}
	return fqdnPattern{text: s}, true
}

// match reports whether name matches; it does not allocate.
func (p fqdnPattern) match(name string) bool {
	name = strings.TrimSuffix(name, ".")
	switch {
	case p.all:
		return name != ""
	case p.suffix:
		return len(name) >= len(p.text) && strings.EqualFold(name[len(name)-len(p.text):], p.text)
	}
	return strings.EqualFold(name, p.text)
}

func matchAnyFQDN(ps []fqdnPattern, name string) bool {
	for _, p := range ps {
		if p.match(name) {
			return true
		}
	}
	return false
}
