// Package assume names the Azure behaviours that Microsoft's own sources disagree on, and holds
// the choice made for each (the CLI's --assume NAME=VALUE; cli.md "Every command").
//
// A Set is a value: two questions asked with different choices can run at once. Its zero value
// is every default, the spec's choice.
package assume

import (
	"fmt"
	"strings"
)

// Name is a contested behaviour.
type Name uint8

const (
	// ForwardedReply: does allowForwardedTraffic=false on the receiving link drop the replies
	// of a flow a VM of that VNet started? azure-semantics.md §1.8 items 5 and 8: the AZ-720
	// lab "troubleshoot connectivity" shows them pass; the flag's text does not say.
	ForwardedReply Name = iota
	// PEReplyUDR: do a private endpoint's replies follow its subnet's UDRs? azure-semantics.md
	// §5 DECISION: they follow system routes only (the endpoint's NIC ignores UDRs).
	PEReplyUDR
	// GwSubnetNoPropagation: does a VPN/ExpressRoute gateway keep working when its GatewaySubnet's
	// route table disables gateway route propagation? azure-semantics.md §1.8 item 8: the UDR
	// overview says it stops; the hub-and-spoke playground's north-south scenario does it and works.
	GwSubnetNoPropagation
	// FQDNTag: an Azure Firewall application rule naming FQDN tags or web categories, whose
	// members the snapshot does not list: is the verdict unknown, or do they match nothing?
	// (cli.md "Every command"; the tags' FQDN lists are Microsoft's and change.)
	FQDNTag
	// InternetTag: is the NSG service tag Internet everything outside VirtualNetwork and the
	// private ranges (so a 0/0 UDR empties it), or the public address space whatever the
	// routes? spec §2.4: thin evidence either way (azure-docs PR #101300, #22178).
	InternetTag
	// FwReverseDeny: does an Azure Firewall network rule that explicitly denies the reverse
	// direction of an allowed flow drop that flow's replies? azure-semantics.md §1.8 item 8: the
	// rule-processing article ("Three-way handshake behavior", by design per azure-docs #108048)
	// says it interrupts the flow; a later support-blog edit removed the warning. Default ignored.
	FwReverseDeny
	// DNATInherited: are a parent Firewall Policy's DNAT (NAT) rule collections applied by a
	// child policy's firewall? azure-semantics.md §1.8 item 8: Firewall Manager's policy overview
	// says NAT collections are not inherited; the rule-processing article's example processes the
	// parent's DNAT collections first. Default no.
	DNATInherited
	// LBPoolDefaultOutbound: does a VM in a backend pool of a Standard public load balancer
	// with no outbound rule, and no other explicit outbound method, keep default outbound
	// access? azure-semantics.md §4: the default outbound access page lists only pools with
	// outbound rules as explicit outbound connectivity; the load balancer SKU comparison says an
	// outbound scenario "must be explicitly created" for a Standard one. Default kept.
	LBPoolDefaultOutbound
	numNames
)

// choices lists each name's spelling and its values, the default first.
var choices = [numNames]struct {
	name   string
	values []string
}{
	ForwardedReply:        {"forwarded-reply", []string{"allowed", "dropped"}},
	PEReplyUDR:            {"pe-reply-udr", []string{"ignore", "follow"}},
	GwSubnetNoPropagation: {"gw-subnet-no-propagation", []string{"works", "broken"}},
	FQDNTag:               {"fqdn-tag", []string{"unknown", "nomatch"}},
	InternetTag:           {"internet-tag", []string{"complement", "static"}},
	FwReverseDeny:         {"fw-reverse-deny", []string{"ignored", "breaks"}},
	DNATInherited:         {"dnat-inherited", []string{"no", "yes"}},
	LBPoolDefaultOutbound: {"lb-pool-default-outbound", []string{"kept", "lost"}},
}

func (n Name) String() string { return choices[n].name }

// Values lists n's values, the default first.
func (n Name) Values() []string { return append([]string(nil), choices[n].values...) }

// Names lists every name in order.
func Names() []Name {
	out := make([]Name, numNames)
	for i := range out {
		out[i] = Name(i)
	}
	return out
}

// Set holds a value for every name; the zero Set holds the defaults.
type Set struct{ v [numNames]uint8 }

// Value is the spelling of n's value in s.
func (s Set) Value(n Name) string { return choices[n].values[s.v[n]] }

// Default reports whether n holds its default value in s.
func (s Set) Default(n Name) bool { return s.v[n] == 0 }

// Flip returns s with n's value changed to the other one (every name has two).
func (s Set) Flip(n Name) Set {
	s.v[n] = 1 - s.v[n]
	return s
}

// Parse sets the choice NAME=VALUE in s. An unknown name or value is an error that lists the
// accepted ones.
func (s *Set) Parse(arg string) error {
	name, value, ok := strings.Cut(arg, "=")
	if !ok {
		return fmt.Errorf("--assume %q: want NAME=VALUE", arg)
	}
	var all []string
	for n, c := range choices {
		all = append(all, c.name)
		if c.name != name {
			continue
		}
		for i, v := range c.values {
			if v == value {
				s.v[n] = uint8(i)
				return nil
			}
		}
		return fmt.Errorf("--assume %s=%s: the value is one of %s", name, value, strings.Join(c.values, ", "))
	}
	return fmt.Errorf("--assume %q: unknown name; names are %s", name, strings.Join(all, ", "))
}
