package convert

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/azure"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Learned-routes files (docs/azure-semantics.md §1.8, "BGP-learned routes as input") do not name
// the gateway or Route Server they belong to. Each row's localAddress is the address of the
// gateway instance or Route Server instance that holds it (GatewayRoute.localAddress, "the
// gateway's local address"), so the owner is the one whose addresses include it. Where two
// owners have that address (overlapping estates), a file named after one of them
// (<name>.learned-routes.json) decides; otherwise the rows are skipped with a warning. An
// ExpressRoute circuit's route table has no localAddress: its rows whose next hop is a gateway's
// address are that gateway's own prefixes, and name the gateways the circuit feeds.

// owner is a gateway or a Route Server that holds learned routes.
type owner struct {
	gw *model.VNetGateway
	rs *model.RouteServer
}

func (o owner) name() string {
	if o.gw != nil {
		return o.gw.Name
	}
	return o.rs.Name
}

func (o owner) learned() *model.LearnedRoutes {
	var l **model.LearnedRoutes
	if o.gw != nil {
		l = &o.gw.Learned
	} else {
		l = &o.rs.Learned
	}
	if *l == nil {
		*l = &model.LearnedRoutes{}
	}
	return *l
}

// buildLearned assigns every learned-route row to its gateway or Route Server.
func (b *builder) buildLearned() {
	byFile := map[string][]*azure.LearnedRoute{}
	var files []string
	for _, r := range b.s.BGP.Learned {
		if _, seen := byFile[r.Src.File]; !seen {
			files = append(files, r.Src.File)
		}
		byFile[r.Src.File] = append(byFile[r.Src.File], r)
	}
	for _, f := range files {
		b.learnedFile(f, byFile[f])
	}
	for _, g := range b.n.VNetGateways {
		sortLearned(g.Learned)
	}
	for _, rs := range b.n.RouteServers {
		sortLearned(rs.Learned)
	}
}

// learnedFile assigns the rows of one file.
func (b *builder) learnedFile(file string, rows []*azure.LearnedRoute) {
	var circuit []*azure.LearnedRoute
	advertised, skipped := 0, map[string]int{}
	for _, r := range rows {
		switch {
		case r.Circuit:
			circuit = append(circuit, r)
		case !r.SourcePeer.IsValid():
			advertised++ // list-advertised-routes: what Azure tells a peer, not what it programs
		default:
			o, why := b.learnedOwner(file, r)
			if why != "" {
				skipped[why]++
				continue
			}
			b.addLearned(o, r, r.ASPath, o.gw != nil && strings.EqualFold(o.gw.GatewayType, "ExpressRoute"))
		}
	}
	if len(circuit) > 0 {
		b.circuitRoutes(file, circuit)
	}
	if advertised > 0 {
		b.n.Warn("Ignored", "", fmt.Sprintf("%s: %d advertised routes (rows without sourcePeer: what a gateway or Route Server "+
			"tells its BGP peers); they change no route inside Azure and are not used", file, advertised))
	}
	for _, why := range sortedKeys(skipped) {
		b.n.Warn("InsufficientInformation", "", fmt.Sprintf("%s: %d learned routes skipped: %s", file, skipped[why], why))
	}
}

// learnedOwner finds the gateway or Route Server whose address is r's localAddress; why says
// why there is none.
func (b *builder) learnedOwner(file string, r *azure.LearnedRoute) (owner, string) {
	a := r.LocalAddress
	if !a.IsValid() {
		return owner{}, "a row without localAddress names no gateway or Route Server"
	}
	var found []owner
	for _, g := range b.n.VNetGateways {
		if g.HasIP(a) {
			found = append(found, owner{gw: g})
		}
	}
	for _, rs := range b.n.RouteServers {
		if rs.HasIP(a) {
			found = append(found, owner{rs: rs})
		}
	}
	switch len(found) {
	case 0:
		return owner{}, "localAddress " + a.String() + " is the address of no virtual network gateway or Route Server in the snapshot" +
			" (export the gateway with its ipConfigurations and bgpSettings, or the Route Server with virtualRouterIps)"
	case 1:
		return found[0], ""
	}
	base := fileStem(file)
	var named []owner
	for _, o := range found {
		if strings.EqualFold(o.name(), base) {
			named = append(named, o)
		}
	}
	if len(named) == 1 {
		return named[0], ""
	}
	names := make([]string, len(found))
	for i, o := range found {
		names[i] = o.name()
	}
	return owner{}, "localAddress " + a.String() + " belongs to more than one gateway or Route Server (" + strings.Join(names, ", ") +
		"); name the file <gateway-name>.learned-routes.json to say which"
}

// fileStem is a file's name up to its first dot: "vgw-hub" for dir/vgw-hub.learned-routes.json.
func fileStem(file string) string {
	base := filepath.Base(file)
	if i := strings.IndexByte(base, '.'); i > 0 {
		return base[:i]
	}
	return base
}

// circuitRoutes assigns an ExpressRoute circuit route table's on-premises rows to the gateways the
// circuit feeds: those whose addresses appear among its next hops (the circuit lists the VNet
// prefixes each connected gateway advertises with that gateway as next hop). The gateway hears
// the rows with Microsoft's ASN 12076 prepended (expressroute-routing: ASN 12076 for Azure
// private peering), which counts in AS-path comparisons.
func (b *builder) circuitRoutes(file string, rows []*azure.LearnedRoute) {
	var gws []*model.VNetGateway
	own := map[*azure.LearnedRoute]bool{}
	for _, r := range rows {
		for _, g := range b.n.VNetGateways {
			if r.NextHop.IsValid() && g.HasIP(r.NextHop) {
				own[r] = true
				if !slices.Contains(gws, g) {
					gws = append(gws, g)
				}
			}
		}
	}
	if len(gws) == 0 {
		b.n.Warn("InsufficientInformation", "", fmt.Sprintf("%s: an ExpressRoute circuit route table whose next hops include no "+
			"virtual network gateway address of the snapshot: which gateway it feeds is unknown, its %d routes are not used", file, len(rows)))
		return
	}
	for _, r := range rows {
		if own[r] {
			continue
		}
		for _, g := range gws {
			b.addLearned(owner{gw: g}, r, strings.TrimSpace("12076 "+r.ASPath), true)
		}
	}
}

func (b *builder) addLearned(o owner, r *azure.LearnedRoute, asPath string, er bool) {
	o.learned().Add(model.LearnedRoute{Prefix: r.Network, NextHop: r.NextHop, SourcePeer: r.SourcePeer,
		LocalAddress: r.LocalAddress, Origin: r.Origin, ASPath: asPath, ASPathLen: model.ASPathLength(asPath),
		ExpressRoute: er, File: r.Src.File})
	if o.gw != nil {
		b.count(typeGateway + "/learnedRoutes")
	} else {
		b.count(typeVirtualHub + "/learnedRoutes")
	}
}

// sortLearned orders rows so that answers do not depend on the order of files or rows.
func sortLearned(l *model.LearnedRoutes) {
	if l == nil {
		return
	}
	slices.SortStableFunc(l.Routes, func(x, y model.LearnedRoute) int {
		return cmp.Or(x.Prefix.Addr().Compare(y.Prefix.Addr()), x.Prefix.Bits()-y.Prefix.Bits(),
			x.NextHop.Compare(y.NextHop), x.SourcePeer.Compare(y.SourcePeer), x.LocalAddress.Compare(y.LocalAddress),
			strings.Compare(x.ASPath, y.ASPath), strings.Compare(x.File, y.File))
	})
	slices.Sort(l.Files)
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
