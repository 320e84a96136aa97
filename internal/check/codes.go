package check

// Code names what a finding is about. Codes are stable: pipelines match on them (cli.md
// "check"), so a code is never renamed. Each check declares its code and the evidence keys cli.md
// fixes for it in its Check value.
type Code string

// The codes of the registered checks, and CheckFailed for a check that could not run.
const (
	CodeAddressSpaceOverlap           Code = "AddressSpaceOverlap"
	CodeAsymmetricReturn              Code = "AsymmetricReturn"
	CodeDefaultOutboundReliance       Code = "DefaultOutboundReliance"
	CodeDnatTargetBlocked             Code = "DnatTargetBlocked"
	CodeDNSProxyUpstreamBlocked       Code = "DnsProxyUpstreamBlocked"
	CodeForwardedTrafficBlocked       Code = "ForwardedTrafficBlocked"
	CodeGatewaySubnetMisconfigured    Code = "GatewaySubnetMisconfigured"
	CodeInternetExposedManagementPort Code = "InternetExposedManagementPort"
	CodeLimitExceeded                 Code = "LimitExceeded"
	CodeNetAppBasicIPLimit            Code = "NetAppBasicIpLimit"
	CodeNextHopIPForwardingDisabled   Code = "NextHopIpForwardingDisabled"
	CodeNextHopUnreachable            Code = "NextHopUnreachable"
	CodePeeringNotConnected           Code = "PeeringNotConnected"
	CodePrivateEndpointCost           Code = "PrivateEndpointCost"
	CodePrivateDNSRecordMismatch      Code = "PrivateDnsRecordMismatch"
	CodePrivateDNSZoneNotLinked       Code = "PrivateDnsZoneNotLinked"
	CodePrivateEndpointResolvesPublic Code = "PrivateEndpointResolvesPublic"
	CodeReservedPortInUse             Code = "ReservedPortInUse"
	CodeRouteBlackhole                Code = "RouteBlackhole"
	CodeShadowedRule                  Code = "ShadowedRule"
	CodeSnatCapacity                  Code = "SnatCapacity"
	CodeVirtualWanRouting             Code = "VirtualWanRouting"
	CodeCheckFailed                   Code = "CheckFailed" // a check panicked (RunOne)
)
