package fib

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// natPrefixes: a connection with VPN NAT rules installs its on-premises prefixes post-NAT
// (model.Connection.TranslatedPrefixes, the one home of the rule; learn.microsoft.com/azure/vpn-gateway/nat-overview).
func natPrefixes(c *model.Connection, ps []netip.Prefix) []netip.Prefix {
	return c.TranslatedPrefixes(ps)
}
