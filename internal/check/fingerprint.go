package check

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// identityKeys are evidence keys that say which thing a finding is about (the rule, the route,
// the port), as opposed to what was measured about it (counts, prices, states, verdicts). They
// enter the fingerprint, together with a check's declared evidence keys that are not
// measurements.
var identityKeys = []string{
	"alternative", "appliance", "destination", "direction", "dnsServer", "fqdn", "issue", "kind", "nextHopIp",
	"nic", "nsg", "nsgRule", "peering", "port", "prefix", "protocol", "route", "routePrefix", "routeTable",
	"rule", "ruleType", "shadowedBy", "source", "statefulDevice", "subnet", "target", "targetKind", "targetType",
	"vnet", "zone", "check", "holder",
}

// measureKeys are declared evidence keys that measure rather than identify: a finding whose
// count grows is still the same finding.
var measureKeys = []string{"answer", "count", "instances", "ipCount", "limit", "monthlyUsd", "publicIps", "totalPorts"}

// Fingerprint identifies a finding across runs and machines (cli.md "check"): the hex SHA-256
// (first 16 bytes) of the code, the resource IDs (case-folded, sorted) and the identifying
// evidence (identityKeys and the check's declared keys that are not measurements, sorted by
// key, string values case-folded). Titles, messages, counts and states do not enter it, so a
// baseline keeps matching while a finding's numbers change.
func Fingerprint(f Finding) string {
	h := sha256.New()
	fmt.Fprintf(h, "code\x00%s\x00", f.Code)
	res := make([]string, len(f.Resources))
	for i, r := range f.Resources {
		res[i] = strings.ToLower(r)
	}
	sort.Strings(res)
	for _, r := range res {
		fmt.Fprintf(h, "res\x00%s\x00", r)
	}
	keys := identityKeys
	if c, ok := Lookup(f.Code); ok {
		for _, k := range c.Evidence {
			if !slices.Contains(measureKeys, k) && !slices.Contains(keys, k) {
				keys = append(slices.Clip(keys), k)
			}
		}
	}
	keys = slices.Clone(keys)
	sort.Strings(keys)
	for _, k := range keys {
		if v, ok := f.Evidence[k]; ok {
			fmt.Fprintf(h, "ev\x00%s\x00%s\x00", k, canonical(v))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// canonical is a value's stable text: strings case-folded, lists sorted.
func canonical(v any) string {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x)
	case []string:
		l := make([]string, len(x))
		for i, s := range x {
			l[i] = strings.ToLower(s)
		}
		sort.Strings(l)
		return strings.Join(l, "\x01")
	case []any:
		l := make([]string, len(x))
		for i, s := range x {
			l[i] = canonical(s)
		}
		sort.Strings(l)
		return strings.Join(l, "\x01")
	case float64:
		return fmt.Sprintf("%g", x)
	}
	return strings.ToLower(fmt.Sprint(v))
}
