package forward

import (
	"net/netip"

	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Memo answers Leave as Leave does, remembering Follow's decision per (subnet, route): resolving
// an appliance's owner reads the VNet's peerings, and a batch asking about many pairs of
// endpoints (a check) follows the same few routes again and again. Not safe for concurrent
// use: one per worker.
type Memo struct {
	p      *dataplane.Plane
	follow map[followKey]Decision
}

type followKey struct {
	s *model.Subnet
	r *fib.Route
}

// NewMemo returns an empty memo over p.
func NewMemo(p *dataplane.Plane) *Memo {
	return &Memo{p: p, follow: map[followKey]Decision{}}
}

// Leave is forward.Leave(m's plane, s, dst, systemOnly).
func (m *Memo) Leave(s *model.Subnet, dst netip.Addr, systemOnly bool) Decision {
	r, d, ok := selectRoute(m.p, s, dst, systemOnly)
	if !ok {
		return d
	}
	if !resolvesOwner(r) {
		return Follow(m.p, s, r) // nothing to remember: a switch on the next hop type
	}
	k := followKey{s, r}
	if d, ok := m.follow[k]; ok {
		return d
	}
	d = Follow(m.p, s, r)
	m.follow[k] = d
	return d
}

// resolvesOwner reports whether Follow looks up what owns r's next hop (an appliance, a Route
// Server's NVA) or the peering to a private endpoint: the decisions worth remembering.
func resolvesOwner(r *fib.Route) bool {
	return ToAppliance(r) || r.Hub == nil && r.NextHop == model.HopInterfaceEndpoint
}
