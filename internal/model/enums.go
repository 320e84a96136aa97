package model

import "strings"

// NextHopType is where a route sends a packet. Values and spelling are Azure's
// (learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview).
type NextHopType uint8

const (
	HopNone NextHopType = iota // "None": the packet is dropped
	HopVnetLocal
	HopVNetPeering
	HopVNetGlobalPeering
	HopInternet
	HopVirtualAppliance
	HopVirtualNetworkGateway
	HopServiceEndpoint   // "VirtualNetworkServiceEndpoint"
	HopInterfaceEndpoint // private endpoint /32
	HopConnectedGroup    // Virtual Network Manager connected group
)

var hopNames = [...]string{"None", "VnetLocal", "VNetPeering", "VNetGlobalPeering", "Internet",
	"VirtualAppliance", "VirtualNetworkGateway", "VirtualNetworkServiceEndpoint", "InterfaceEndpoint", "ConnectedGroup"}

func (t NextHopType) String() string { return hopNames[t] }

// ParseNextHopType reads a next hop type case-insensitively.
func ParseNextHopType(s string) (NextHopType, bool) {
	for i, n := range hopNames {
		if strings.EqualFold(n, s) {
			return NextHopType(i), true
		}
	}
	return HopNone, false
}

// Protocol is an IP protocol as NSG and admin rules name it. ProtoAny matches every protocol.
// spec §2.2 [NSG]; ESP and AH §2.6 [FAQ].
type Protocol uint8

const (
	ProtoAny Protocol = iota // "*" in rules, "All" in effective rules
	ProtoTCP
	ProtoUDP
	ProtoICMP
	ProtoESP
	ProtoAH
	ProtoOther // a protocol Azure does not carry (spec §2.6): PlatformBlocked
)

var protoNames = [...]string{"All", "Tcp", "Udp", "Icmp", "Esp", "Ah", "Other"}

func (p Protocol) String() string { return protoNames[p] }

// ParseProtocol reads "*", "Any", "All", "Tcp", "TCP", ... case-insensitively.
func ParseProtocol(s string) (Protocol, bool) {
	switch strings.ToLower(s) {
	case "*", "any", "all":
		return ProtoAny, true
	case "tcp":
		return ProtoTCP, true
	case "udp":
		return ProtoUDP, true
	case "icmp", "icmpv4":
		return ProtoICMP, true
	case "esp":
		return ProtoESP, true
	case "ah":
		return ProtoAH, true
	}
	return ProtoAny, false
}

// Matches reports whether a rule protocol r matches a packet protocol p.
func (r Protocol) Matches(p Protocol) bool { return r == ProtoAny || r == p }

// Direction of a security rule relative to the NIC.
type Direction uint8

const (
	Inbound Direction = iota
	Outbound
)

func (d Direction) String() string {
	if d == Outbound {
		return "Outbound"
	}
	return "Inbound"
}

// Access is a rule's action. AlwaysAllow exists only on Virtual Network Manager admin rules
// (spec §2.5): it allows and skips the NSGs.
type Access uint8

const (
	Allow Access = iota
	Deny
	AlwaysAllow
)

func (a Access) String() string {
	switch a {
	case Deny:
		return "Deny"
	case AlwaysAllow:
		return "AlwaysAllow"
	}
	return "Allow"
}

// PortRange is an inclusive range of ports; {0, 65535} is "*".
// spec §2.2 [NSG].
type PortRange struct{ Lo, Hi uint16 }

// AllPorts is the "*" range.
var AllPorts = PortRange{0, 65535}

// Contains reports whether p is inside the range.
func (r PortRange) Contains(p uint16) bool { return r.Lo <= p && p <= r.Hi }
