package firewall

import (
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// snatRanges is the set of destinations network-rule traffic is NOT source-translated to.
// spec §3.3 [FWSNAT].
type snatRanges = addrSet

// parseSNATRanges reads a policy's snat.privateRanges or a classic firewall's
// "Network.SNAT.PrivateRanges"; empty means IANAPrivateRanges. It returns the entries it
// could not read. "0.0.0.0/0" makes every destination private (never SNAT);
// "255.255.255.255/32" leaves no real destination private (always SNAT) — both fall out of
// the set semantics.
// spec §3.3 [FWSNAT, FWNAT-BLOG].
func parseSNATRanges(list []string) (snatRanges, []string) {
	var s addrSet
	var bad []string
	if len(list) == 0 {
		list = []string{"IANAPrivateRanges"}
	}
	for _, item := range list {
		for _, e := range strings.Split(item, ",") { // the classic value is one comma-separated string
			e = strings.TrimSpace(e)
			switch {
			case e == "":
			case strings.EqualFold(e, "IANAPrivateRanges"):
				for _, p := range model.IANAPrivateRanges { // the SNAT default, spec §3.3 [FWSNAT]
					s.add(prefixRange(p))
				}
			default:
				if r, ok := parseAddr(e); ok {
					s.add(r)
				} else {
					bad = append(bad, e)
				}
			}
		}
	}
	s.finish()
	return s, bad
}

// SNATsTo reports whether a network rule's allowed traffic to dst has its source translated
// to a firewall public IP (spec §3.3): true when dst is outside the SNAT private ranges.
// Application-rule and DNAT traffic is always translated, to an instance address.
func (e *Engine) SNATsTo(dst netip.Addr) bool { return !e.snat.contains(dst.Unmap()) }
