package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/vnetdoctor/vnetdoctor/internal/fib"
)

// EffectiveRoute is one route in the shape of `az network nic show-effective-route-table -o json` (cli.md).
type EffectiveRoute struct {
	Name             *string  `json:"name"`
	DisableBGP       bool     `json:"disableBgpRoutePropagation"`
	Source           string   `json:"source"`
	State            string   `json:"state"`
	AddressPrefix    []string `json:"addressPrefix"`
	NextHopType      string   `json:"nextHopType"`
	NextHopIPAddress []string `json:"nextHopIpAddress"`
}

// RouteList is the az wrapper object.
type RouteList struct {
	Value []EffectiveRoute `json:"value"`
}

// Routes converts a route table to the az shape. disableBGP is the subnet's route table flag,
// which az repeats on every route.
func Routes(routes []fib.Route, disableBGP bool) RouteList {
	out := RouteList{Value: make([]EffectiveRoute, 0, len(routes))}
	for _, r := range routes {
		e := EffectiveRoute{
			DisableBGP:       disableBGP,
			Source:           r.Source.String(),
			State:            r.State.String(),
			AddressPrefix:    []string{r.Prefix.String()},
			NextHopType:      r.NextHop.String(),
			NextHopIPAddress: []string{},
		}
		if r.Name != "" {
			name := r.Name
			e.Name = &name
		}
		for _, ip := range r.NextHopIPs {
			e.NextHopIPAddress = append(e.NextHopIPAddress, ip.String())
		}
		if len(r.NextHopIPs) == 0 && r.NextHopIP.IsValid() {
			e.NextHopIPAddress = []string{r.NextHopIP.String()}
		}
		out.Value = append(out.Value, e)
	}
	return out
}

// RoutesText writes a route table as an aligned table: Source State Prefix NextHopType NextHopIP.
func RoutesText(w io.Writer, title string, routes []fib.Route) error {
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Source\tState\tPrefix\tNextHopType\tNextHopIP\tName")
	for _, r := range Routes(routes, false).Value {
		name := ""
		if r.Name != nil {
			name = *r.Name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Source, r.State, strings.Join(r.AddressPrefix, " "),
			r.NextHopType, strings.Join(r.NextHopIPAddress, " "), name)
	}
	return tw.Flush()
}
