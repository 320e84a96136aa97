// Package dataplane builds everything a question needs from a model, once per snapshot.
package dataplane

import (
	"github.com/vnetdoctor/vnetdoctor/internal/acl"
	"github.com/vnetdoctor/vnetdoctor/internal/fib"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Plane is the computed data plane of one snapshot. It is immutable and safe for concurrent use.
type Plane struct {
	Net      *model.Network
	FIB      *fib.FIB
	ACL      *acl.ACL
	Warnings []model.Warning // from the computation, in addition to Net.Warnings
}

// Build computes the data plane of n.
func Build(n *model.Network) *Plane {
	f, w1 := fib.Build(n)
	a, w2 := acl.Build(n, f)
	return &Plane{Net: n, FIB: f, ACL: a, Warnings: append(w1, w2...)}
}
