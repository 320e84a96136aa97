package compare

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// Side is the comparison of one table (routes or rules) of one NIC.
type Side[T any] struct {
	Match    bool `json:"match"`   // no missing and no extra rows
	Missing  []T  `json:"missing"` // rows Azure lists that vnetdoctor does not
	Extra    []T  `json:"extra"`   // rows vnetdoctor lists that Azure does not
	Matched  int  `json:"matched"` // rows both list
	Azure    int  `json:"azureRows"`
	Computed int  `json:"vnetdoctorRows"`
	// Ignored are rows of Azure's that are left out of the comparison, each with its reason.
	Ignored []T      `json:"ignored,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

func (s *Side[T]) finish() {
	if s.Missing == nil {
		s.Missing = []T{}
	}
	if s.Extra == nil {
		s.Extra = []T{}
	}
	s.Match = len(s.Missing) == 0 && len(s.Extra) == 0
}

// RouteRow is one route with one prefix, in the shape az prints (a row of several prefixes
// is split), with a note on why it may differ.
type RouteRow struct {
	Source           string   `json:"source"`
	State            string   `json:"state"`
	AddressPrefix    []string `json:"addressPrefix"`
	NextHopType      string   `json:"nextHopType"`
	NextHopIPAddress []string `json:"nextHopIpAddress"`
	Name             string   `json:"name,omitempty"`
	Note             string   `json:"note,omitempty"`
}

// routeKey is what makes two routes the same: prefix, next hop type, next hop addresses and
// state, not the order and not the source (../shared/spec/collect.md §6 "compare").
type routeKey struct{ prefix, hop, ips, state string }

type normRoute struct {
	key routeKey
	src *Route
	hop string // normalised next hop type
}

// row is the route in az's shape, built only for the rows a side reports.
func (r normRoute) row() RouteRow {
	return RouteRow{Source: r.src.Source, State: r.src.State, AddressPrefix: []string{r.key.prefix}, NextHopType: r.hop,
		NextHopIPAddress: ipList(r.key.ips), Name: r.src.Name}
}

// splitRoutes normalises a route list into one row per prefix.
func splitRoutes(rs []Route) []normRoute {
	out := make([]normRoute, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		hop, ips := normHop(r.NextHopType), normIPs(r.NextHopIPAddress)
		for _, s := range r.AddressPrefix {
			p, ok := parsePrefix(s)
			if !ok {
				continue
			}
			out = append(out, normRoute{routeKey{p.String(), strings.ToLower(hop), ips, strings.ToLower(r.State)}, r, hop})
		}
	}
	return out
}

func ipList(joined string) []string {
	if joined == "" {
		return []string{}
	}
	return strings.Split(joined, ",")
}

// FromRendered turns vnetdoctor's route listing (the routes command's JSON) into Routes.
func FromRendered(l render.RouteList) []Route {
	out := make([]Route, len(l.Value))
	for i, r := range l.Value {
		out[i] = Route{Source: r.Source, State: r.State, AddressPrefix: r.AddressPrefix, NextHopType: r.NextHopType,
			NextHopIPAddress: r.NextHopIPAddress}
		if r.Name != nil {
			out[i].Name = *r.Name
		}
	}
	return out
}

// CompareRoutes compares Azure's effective routes with vnetdoctor's as multisets of rows.
func CompareRoutes(azure, ours []Route) Side[RouteRow] {
	a, o := splitRoutes(azure), splitRoutes(ours)
	s := Side[RouteRow]{Azure: len(a), Computed: len(o)}
	free := map[routeKey][]int{}
	for i, r := range o {
		free[r.key] = append(free[r.key], i)
	}
	used := make([]bool, len(o))
	var unmatched []normRoute
	for _, r := range a {
		if l := free[r.key]; len(l) > 0 {
			free[r.key] = l[1:]
			used[l[0]] = true
			s.Matched++
			if other := o[l[0]].src.Source; !strings.EqualFold(other, r.src.Source) {
				s.Notes = append(s.Notes, fmt.Sprintf("%s %s: same route, source differs (Azure %s, vnetdoctor %s)",
					r.key.prefix, r.hop, r.src.Source, other))
			}
			continue
		}
		unmatched = append(unmatched, r)
	}
	var extra []normRoute
	for i, r := range o {
		if !used[i] {
			extra = append(extra, r)
		}
	}
	for _, r := range unmatched {
		row := r.row()
		if why := ignoredRoute(row); why != "" {
			row.Note = why
			s.Ignored = append(s.Ignored, row)
			continue
		}
		row.Note = routeNote(r, extra, "vnetdoctor")
		s.Missing = append(s.Missing, row)
	}
	for _, r := range extra {
		row := r.row()
		row.Note = routeNote(r, unmatched, "Azure")
		s.Extra = append(s.Extra, row)
	}
	s.finish()
	return s
}

// documentedNone are the prefixes of the default None routes (spec §1.2 [UDR, LAB]).
var documentedNone = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("198.18.0.0/15"),
}

// ignoredRoute says why a row of Azure's that vnetdoctor lacks is left out, or "". Real
// tables list Default None routes for a handful of Microsoft ranges (25.x, 40.108/17,
// 157.59/16, ...) that change over time; spec §1.2 does not model them and
// ../shared/spec/collect.md §6 has compare skip them.
func ignoredRoute(r RouteRow) string {
	if !strings.EqualFold(r.Source, "Default") || r.NextHopType != "None" {
		return ""
	}
	p, _ := netip.ParsePrefix(r.AddressPrefix[0])
	for _, d := range documentedNone {
		if d.Overlaps(p) {
			return ""
		}
	}
	return "a None route for a Microsoft range: real tables list a changing set of them, not modelled (spec §1.2)"
}

// routeNote explains a route one side lacks: the other side's route for the same prefix, or
// what vnetdoctor does not model.
func routeNote(r normRoute, others []normRoute, other string) string {
	var alt []string
	for _, o := range others {
		if o.key.prefix == r.key.prefix {
			alt = append(alt, describeRoute(o.row()))
		}
	}
	if len(alt) > 0 {
		return other + " has " + strings.Join(alt, "; ")
	}
	switch {
	case other == "vnetdoctor" && strings.EqualFold(r.src.Source, "VirtualNetworkGateway"):
		return "a gateway-learned route vnetdoctor did not derive: BGP- and ExpressRoute-learned prefixes come only from the gateway's learned-routes table when the snapshot has it (az network vnet-gateway list-learned-routes)"
	case other == "Azure" && r.hop == "None" && (r.key.prefix == "127.0.0.0/8" || r.key.prefix == "198.18.0.0/15"):
		return "spec §1.2 lists this None route from real output [LAB]; Azure's answer does not"
	}
	return "no route for this prefix in " + other + "'s table"
}

func describeRoute(r RouteRow) string {
	s := r.Source + " " + r.State + " " + r.NextHopType
	if len(r.NextHopIPAddress) > 0 {
		s += " " + strings.Join(r.NextHopIPAddress, ",")
	}
	return s
}
