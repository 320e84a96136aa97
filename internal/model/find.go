package model

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// AmbiguousError is returned when a name matches several resources; it lists them so the
// user can pick one by ID (cli.md).
type AmbiguousError struct {
	Ref        string
	Candidates []ID
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		ids[i] = string(c)
	}
	return fmt.Sprintf("%q is ambiguous; candidates: %s", e.Ref, strings.Join(ids, ", "))
}

// NotFoundError is returned when nothing in the snapshot matches a reference.
type NotFoundError struct {
	Kind, Ref string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s %q in the snapshot", e.Kind, e.Ref)
}

// FindNIC resolves a user's NIC reference (cli.md): a NIC resource ID, a NIC name, a VM name
// (its primary NIC), or a private IP a NIC owns. An ambiguous reference is an *AmbiguousError.
func (n *Network) FindNIC(ref string) (*NIC, error) {
	if r, ok := n.Lookup(ID(ref)); ok {
		if nic, ok := r.(*NIC); ok {
			return nic, nil
		}
	}
	var found []*NIC
	if a, err := netip.ParseAddr(ref); err == nil {
		for _, o := range n.Owners(a) {
			if o.Kind == OwnerNIC {
				found = append(found, o.IPConfig.NIC)
			}
		}
	} else {
		found = n.nicsByName(ref)
	}
	switch len(found) {
	case 0:
		return nil, &NotFoundError{Kind: "NIC, VM or NIC-owned IP", Ref: ref}
	case 1:
		return found[0], nil
	}
	e := &AmbiguousError{Ref: ref}
	for _, f := range found {
		e.Candidates = append(e.Candidates, f.ID)
	}
	sort.Slice(e.Candidates, func(i, j int) bool { return e.Candidates[i] < e.Candidates[j] })
	return nil, e
}

// PrivateEndpointsNamed returns the private endpoints ref names, in PrivateEndpoints order: by
// name, or by the name or ID of their platform-managed NIC (networkInterfaces/<name>.nic.<guid>):
// exports list that NIC, and cli.md accepts NIC names and IDs as endpoints. After Freeze it
// reads an index instead of scanning every endpoint.
func (n *Network) PrivateEndpointsNamed(ref string) []*PrivateEndpoint {
	cands := n.PrivateEndpoints
	if n.peNames != nil {
		cands = n.peNames[strings.ToLower(ref)]
	}
	var out []*PrivateEndpoint
	for _, pe := range cands {
		if eqFold(pe.Name, ref) || (pe.NICID != "" && (eqFold(pe.NICID.Name(), ref) || pe.NICID.Equal(ID(ref)))) {
			out = append(out, pe)
		}
	}
	return out
}

// nicsByName matches NIC names first, then VM names (a VM's primary NIC).
func (n *Network) nicsByName(name string) []*NIC {
	byNIC, byVM := n.NICs, n.NICs // before Freeze: scan every NIC
	if n.nicNames != nil {
		byNIC, byVM = n.nicNames[strings.ToLower(name)], n.vmNames[strings.ToLower(name)]
	}
	var out []*NIC
	for _, nic := range byNIC {
		if eqFold(nic.Name, name) {
			out = append(out, nic)
		}
	}
	if len(out) > 0 {
		return out
	}
	seen := map[string]bool{}
	for _, nic := range byVM {
		if !eqFold(nic.VMName, name) {
			continue
		}
		vmKey := nic.ID.Key() // without a VM ID, NICs of the same VM name may be different VMs
		if nic.VMID != "" {
			vmKey = nic.VMID.Key()
		}
		if nic.VM != nil {
			vmKey = nic.VM.ID.Key()
			if len(nic.VM.NICs) > 0 && nic.VM.NICs[0] != nic {
				continue // not the VM's primary NIC
			}
		}
		if !seen[vmKey] {
			seen[vmKey] = true
			out = append(out, nic)
		}
	}
	return out
}
