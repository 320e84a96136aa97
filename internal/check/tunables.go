package check

// PriceList holds the list prices cost findings use (spec §7 [PRICE]). Prices vary by region
// and change; set Options.Prices to use your own.
type PriceList struct {
	PrivateEndpointHourUSD float64 // per endpoint-hour
	PrivateEndpointGBUSD   float64 // per GB processed, each direction (listed, not estimated)
	HoursPerMonth          float64
}

// DefaultPrices returns the list prices of spec §7: 0.01 USD per endpoint-hour, 0.01 per GB,
// 730 hours.
func DefaultPrices() PriceList {
	return PriceList{PrivateEndpointHourUSD: 0.01, PrivateEndpointGBUSD: 0.01, HoursPerMonth: 730}
}

// LimitList holds the Azure limits LimitExceeded, NetAppBasicIpLimit and SnatCapacity compare
// against (spec §7 [LIM, ANF]). SNAT port counts are not tunable: internal/firewall holds them
// (spec §3.4, §4).
type LimitList struct {
	RulesPerNSG       int
	RoutesPerTable    int
	PeeringsPerVNet   int
	PrivateIPsPerVNet int
	NetAppBasicIPs    int
	NearLimitPercent  int // a count at or above this share of a limit is a warning
	// FewFirewallPublicIPs: a firewall egressing with fewer public IPs than this and no NAT
	// gateway gets a SnatCapacity warning. DECISION: 4, the upper end of Microsoft's Azure
	// Proactive Resiliency Library advice for Azure Firewall ("configure a minimum of two to four
	// public IP addresses per Azure Firewall to avoid SNAT exhaustion",
	// azure.github.io/Azure-Proactive-Resiliency-Library/services/networking/firewall); Microsoft's
	// preferred fix is a NAT gateway on AzureFirewallSubnet [FWNAT]. 4 IPs × 2 instances × 2,496
	// = 19,968 ports, under a third of one NAT gateway IP (64,512).
	FewFirewallPublicIPs int
}

// DefaultLimits returns Azure's documented limits.
// spec §7 [LIM, ANF], §3.4 [FWNAT], §4 [NAT].
func DefaultLimits() LimitList {
	return LimitList{
		RulesPerNSG:          1000,
		RoutesPerTable:       400,
		PeeringsPerVNet:      500,
		PrivateIPsPerVNet:    65536,
		NetAppBasicIPs:       1000,
		NearLimitPercent:     90,
		FewFirewallPublicIPs: 4,
	}
}
