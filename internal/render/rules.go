package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// RulesText writes effective security rules grouped by NSG (or admin configuration) and
// direction, in evaluation order, one rule per line.
func RulesText(w io.Writer, title string, list []acl.EffectiveNSG) error {
	fmt.Fprintln(w, title)
	if len(list) == 0 {
		fmt.Fprintln(w, "  no NSG and no admin rules: everything is allowed at every level")
	}
	for _, e := range list {
		for _, dir := range []string{"Inbound", "Outbound"} {
			fmt.Fprintf(w, "\n%s — %s\n", associationLine(e), dir)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  Priority\tName\tAccess\tProtocol\tSource\tSourcePorts\tDestination\tDestPorts")
			for _, r := range e.EffectiveSecurityRules {
				if r.Direction != dir {
					continue
				}
				fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Priority, r.Name, r.Access, r.Protocol,
					joinOr(r.SourceAddressPrefix, r.SourceAddressPrefixes), joinOr(r.SourcePortRange, r.SourcePortRanges),
					joinOr(r.DestinationAddressPrefix, r.DestinationAddressPrefixes),
					joinOr(r.DestinationPortRange, r.DestinationPortRanges))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func associationLine(e acl.EffectiveNSG) string {
	a := e.Association
	switch {
	case a.Subnet != nil:
		return fmt.Sprintf("NSG %s on subnet %s", lastSegment(e.NetworkSecurityGroup.ID), subnetLabel(a.Subnet.ID))
	case a.NetworkInterface != nil:
		return fmt.Sprintf("NSG %s on NIC %s", lastSegment(e.NetworkSecurityGroup.ID), lastSegment(a.NetworkInterface.ID))
	case a.NetworkManager != nil:
		return "Security admin rules of " + lastSegment(a.NetworkManager.ID)
	}
	return "Rules"
}

// subnetLabel turns ".../virtualNetworks/v/subnets/s" into "v/s".
func subnetLabel(id string) string {
	parts := strings.Split(id, "/")
	if len(parts) >= 3 {
		return parts[len(parts)-3] + "/" + parts[len(parts)-1]
	}
	return id
}

// lastSegment is a resource's name from its ID, as the model spells it.
func lastSegment(id string) string { return model.ID(id).Name() }

func joinOr(single string, list []string) string {
	if single != "" {
		return single
	}
	return strings.Join(list, ",")
}
