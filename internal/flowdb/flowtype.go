package flowdb

// FlowType is Traffic Analytics' flow type of a flow (logs.md §5.1; learn.microsoft.com
// azure/network-watcher/traffic-analytics-schema, "Notes": FlowType_s / FlowType values). The
// stored code is the constant's value.
type FlowType uint8

const (
	FlowTypeUnknown FlowType = iota // neither side maps to the Azure or on-premises topology
	IntraVNet                       // both sides in the same VNet
	InterVNet                       // both sides in VNets, different ones
	S2S                             // one side behind a VPN gateway or ExpressRoute (site prefixes)
	P2S                             // one side a point-to-site VPN client
	AzurePublic                     // one side a Microsoft-owned Azure public IP
	ExternalPublic                  // one side a public IP outside Azure
	UnknownPrivate                  // one side RFC 1918, not mapped to a VNet or site
)

var flowTypeNames = [...]string{"Unknown", "IntraVNet", "InterVNet", "S2S", "P2S", "AzurePublic", "ExternalPublic", "UnknownPrivate"}

// String is Traffic Analytics' spelling.
func (t FlowType) String() string {
	if int(t) < len(flowTypeNames) {
		return flowTypeNames[t]
	}
	return "Unknown"
}

// FlowTypes are all flow types in code order.
func FlowTypes() []FlowType {
	out := make([]FlowType, len(flowTypeNames))
	for i := range out {
		out[i] = FlowType(i)
	}
	return out
}
