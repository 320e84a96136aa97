// Package dataplane builds everything a question needs from a model, once per snapshot.
package dataplane

import (
	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/firewall"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Plane is the computed data plane of one snapshot. It is immutable and safe for concurrent use.
type Plane struct {
	Net *model.Network
	FIB *fib.FIB
	ACL *acl.ACL
	// Index resolves public IPs, firewall instance addresses and on-premises prefixes.
	Index *Index
	// Firewalls holds the compiled rule set of every Azure Firewall (spec §3).
	Firewalls map[*model.Firewall]*firewall.Engine
	Warnings  []model.Warning // from the computation, in addition to Net.Warnings
}

// Build computes the data plane of n.
func Build(n *model.Network) *Plane {
	f, w1 := fib.Build(n)
	a, w2 := acl.Build(n, f)
	p := &Plane{Net: n, FIB: f, ACL: a, Index: buildIndex(n), Warnings: append(w1, w2...),
		Firewalls: make(map[*model.Firewall]*firewall.Engine, len(n.Firewalls))}
	for _, fw := range n.Firewalls {
		e, w := firewall.Compile(fw, n)
		p.Firewalls[fw] = e
		p.Warnings = append(p.Warnings, w...)
	}
	return p
}
