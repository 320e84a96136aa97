package azure

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/jsondoc"
)

// VPNNATRule is virtualNetworkGateways/natRules, read inline from the gateway
// (learn.microsoft.com/azure/vpn-gateway/nat-overview).
type VPNNATRule struct {
	Meta
	Type     string // Static, Dynamic
	Mode     string // IngressSnat, EgressSnat
	Internal []netip.Prefix
	External []netip.Prefix
}

func (d *dec) vpnNATRule(v *jsondoc.Value, p *jsondoc.Path) *VPNNATRule {
	w := &VPNNATRule{Meta: d.meta(v, p)}
	each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
		switch k {
		case "type":
			if at != p { // properties.type; the envelope's "type" is the resource type
				w.Type = d.str(m, at)
			}
		case "mode":
			w.Mode = d.str(m, at)
		case "internalmappings":
			w.Internal = d.natMappings(m, at)
		case "externalmappings":
			w.External = d.natMappings(m, at)
		}
	})
	return w
}

// natMappings reads [{"addressSpace": "10.0.1.0/24"}, ...].
func (d *dec) natMappings(m *jsondoc.Member, at *jsondoc.Path) []netip.Prefix {
	var out []netip.Prefix
	d.items(m, at, func(v *jsondoc.Value, p *jsondoc.Path) {
		each(v, p, func(k string, m *jsondoc.Member, at *jsondoc.Path) {
			if k == "addressspace" {
				out = append(out, d.prefixes(m, at)...)
			}
		})
	})
	return out
}
