package model

import (
	"math/big"
	"net/netip"
)

// VPNNATRule is a NAT rule of a VPN gateway (virtualNetworkGateways/natRules), linked to IPsec
// connections by their ingressNatRules and egressNatRules
// (learn.microsoft.com/azure/vpn-gateway/nat-overview [VPNNAT]):
//   - IngressSnat maps an on-premises address space (Internal) to External: the source of
//     packets coming in from on-premises, and the destination of packets leaving to it.
//   - EgressSnat maps the VNet's address space (Internal) to External: the source of packets
//     leaving to on-premises, and the destination of packets coming in over the connection.
//
// "A single SNAT rule defines the translation for both directions"; no DNAT rule is needed.
type VPNNATRule struct {
	ID       ID
	Name     string
	Dynamic  bool // type Dynamic; Static is a fixed 1:1 mapping
	Egress   bool // mode EgressSnat; IngressSnat otherwise
	Internal []netip.Prefix
	External []netip.Prefix
}

// Mode is the rule's mode as the API spells it.
func (r *VPNNATRule) Mode() string {
	if r.Egress {
		return "EgressSnat"
	}
	return "IngressSnat"
}

// ToExternal maps a, inside one of the internal mappings, into the external mapping of the
// same index: the same offset in the range (static: "a fixed address mapping relationship";
// dynamic: the offset modulo the smaller external range, one of the addresses a dynamic rule may
// pick). ok is false when a is outside every internal mapping.
func (r *VPNNATRule) ToExternal(a netip.Addr) (netip.Addr, bool) {
	return mapAddr(r.Internal, r.External, a)
}

// ToInternal is the reverse mapping, for the other direction of the same rule.
func (r *VPNNATRule) ToInternal(a netip.Addr) (netip.Addr, bool) {
	return mapAddr(r.External, r.Internal, a)
}

// ToExternalPrefix translates a prefix inside (or equal to) an internal mapping to the external
// range it becomes: learned and static prefixes "will be translated from the Internal Mapping
// prefixes (pre-NAT) to the External Mapping prefixes (post-NAT)" [VPNNAT].
func (r *VPNNATRule) ToExternalPrefix(p netip.Prefix) (netip.Prefix, bool) {
	for i, in := range r.Internal {
		if i >= len(r.External) || !in.Contains(p.Addr()) || p.Bits() < in.Bits() {
			continue
		}
		ex := r.External[i]
		a, ok := mapAddr(r.Internal[i:i+1], r.External[i:i+1], p.Masked().Addr())
		if !ok {
			continue
		}
		bits := p.Bits() - in.Bits() + ex.Bits()
		if bits > a.BitLen() {
			bits = a.BitLen()
		}
		return netip.PrefixFrom(a, bits).Masked(), true
	}
	return netip.Prefix{}, false
}

// TranslatedPrefixes is what a connection's on-premises prefixes ps become in Azure's routes:
// "Once a NAT rule is defined for a connection, the effective address space for the connection
// will change with the rule"; prefixes are "translated from the Internal Mapping prefixes
// (pre-NAT) to the External Mapping prefixes (post-NAT)" of its IngressSnat rules, and a
// connection without them is not converted ([VPNNAT] "NAT and routing"). The local network
// gateway holds the pre-NAT ranges (nat-howto: creating the connections without the rules fails
// because "the IP address spaces are the same"). ps is returned as is when nothing changes.
func (c *Connection) TranslatedPrefixes(ps []netip.Prefix) []netip.Prefix {
	if len(c.IngressNAT) == 0 {
		return ps
	}
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		q := p
		for _, r := range c.IngressNAT {
			if t, ok := r.ToExternalPrefix(p); ok {
				q = t
				break
			}
		}
		out = append(out, q)
	}
	return out
}

func mapAddr(from, to []netip.Prefix, a netip.Addr) (netip.Addr, bool) {
	for i, f := range from {
		if i >= len(to) || !f.Contains(a) || f.Addr().Is4() != to[i].Addr().Is4() {
			continue
		}
		t := to[i].Masked()
		off := new(big.Int).Sub(addrInt(a), addrInt(f.Masked().Addr()))
		size := new(big.Int).Lsh(big.NewInt(1), uint(t.Addr().BitLen()-t.Bits()))
		off.Mod(off, size)
		return intAddr(new(big.Int).Add(addrInt(t.Addr()), off), t.Addr().Is4()), true
	}
	return netip.Addr{}, false
}

func addrInt(a netip.Addr) *big.Int { return new(big.Int).SetBytes(a.AsSlice()) }

func intAddr(n *big.Int, v4 bool) netip.Addr {
	size := 16
	if v4 {
		size = 4
	}
	b := make([]byte, size)
	n.FillBytes(b)
	a, _ := netip.AddrFromSlice(b)
	return a
}
