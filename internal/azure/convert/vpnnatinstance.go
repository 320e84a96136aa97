package convert

import (
	"fmt"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// warnNATInstances says what vnetdoctor does not model about the NAT rules of an active-active
// gateway. The VPN gateway FAQ ("Does NAT work on active-active VPN gateways?"): "Each NAT rule is
// applied to a single instance of the VPN gateway. In active-active gateways, create a separate
// NAT rule for each gateway instance through the "IP configuration ID" field." The rule's
// ipConfigurationId is not read: every rule is applied on the connection whatever the instance a
// flow takes, so a flow that Azure hashes to an instance its rule does not name could be
// translated differently (or not at all) there. An active-standby gateway has one instance
// carrying traffic, so nothing is said.
func (b *builder) warnNATInstances(g *model.VNetGateway) {
	if !g.ActiveActive || len(g.NATRules) == 0 {
		return
	}
	b.n.Warn("Assumption", g.ID, fmt.Sprintf("gateway %s is active-active and has %d NAT rules: Azure applies each NAT rule to "+
		"the single gateway instance its ipConfigurationId names (VPN gateway FAQ, NAT); vnetdoctor applies every rule linked "+
		"to a connection to all of its traffic, whichever instance carries it", g.Name, len(g.NATRules)))
}
