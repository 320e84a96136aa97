package diff

import (
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// SubnetRoutes is how one subnet's effective routes changed.
type SubnetRoutes struct {
	Subnet  string  `json:"subnet"`
	Added   []Route `json:"added"`
	Removed []Route `json:"removed"`
}

// Route is one effective route in the routes command's shape (az show-effective-route-table).
type Route struct {
	Name             string   `json:"name,omitempty"`
	Source           string   `json:"source"`
	State            string   `json:"state"`
	AddressPrefix    []string `json:"addressPrefix"`
	NextHopType      string   `json:"nextHopType"`
	NextHopIPAddress []string `json:"nextHopIpAddress"`
}

func (r Route) key() string {
	return strings.Join([]string{r.Name, r.Source, r.State, strings.Join(r.AddressPrefix, ","), r.NextHopType, strings.Join(r.NextHopIPAddress, ",")}, "|")
}

func routeOf(r fib.Route) Route {
	out := Route{Name: r.Name, Source: r.Source.String(), State: r.State.String(), AddressPrefix: []string{r.Prefix.String()},
		NextHopType: r.NextHop.String(), NextHopIPAddress: []string{}}
	for _, a := range r.NextHopIPs {
		out.NextHopIPAddress = append(out.NextHopIPAddress, a.String())
	}
	return out
}

// CompareRoutes lists, per subnet (matched by ID, case-insensitive), the effective routes only
// after has (added) and only before has (removed); a subnet on one side only has all its routes
// added or removed. Subnets whose routes did not change are left out.
func CompareRoutes(before, after *dataplane.Plane) []SubnetRoutes {
	return CompareRoutesIn(before, after, nil)
}

// CompareRoutesIn is CompareRoutes of the subnets whose lower-cased ID (model.ID.Key) only
// holds (every subnet when only is nil): the caller knows the others' routes cannot differ, and
// their tables are never built.
func CompareRoutesIn(before, after *dataplane.Plane, only map[string]bool) []SubnetRoutes {
	bs, as := routesBySubnet(before, only), routesBySubnet(after, only)
	keys := map[string]string{}
	for k, v := range bs {
		keys[k] = v.id
	}
	for k, v := range as {
		keys[k] = v.id
	}
	out := []SubnetRoutes{}
	for k, id := range keys {
		d := SubnetRoutes{Subnet: id, Added: minus(as[k].routes, bs[k].routes), Removed: minus(bs[k].routes, as[k].routes)}
		if len(d.Added)+len(d.Removed) > 0 {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b SubnetRoutes) int { return strings.Compare(a.Subnet, b.Subnet) })
	return out
}

type subnetRoutes struct {
	id     string
	routes []Route
}

func routesBySubnet(p *dataplane.Plane, only map[string]bool) map[string]subnetRoutes {
	out := map[string]subnetRoutes{}
	for _, s := range p.Net.Subnets {
		if only != nil && !only[model.ID(s.ID).Key()] {
			continue
		}
		var rs []Route
		if t := p.FIB.Subnet(s); t != nil {
			for _, r := range t.All() {
				rs = append(rs, routeOf(r))
			}
		}
		out[model.ID(s.ID).Key()] = subnetRoutes{string(s.ID), rs}
	}
	return out
}

// minus is the routes of a that b lacks (as many times as a has them more), in a's order.
func minus(a, b []Route) []Route {
	count := map[string]int{}
	for _, r := range b {
		count[r.key()]++
	}
	out := []Route{}
	for _, r := range a {
		if count[r.key()] > 0 {
			count[r.key()]--
			continue
		}
		out = append(out, r)
	}
	return out
}
