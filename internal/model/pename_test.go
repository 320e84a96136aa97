package model

import (
	"slices"
	"testing"
)

// TestPrivateEndpointsNamedIndex: after Freeze the index answers exactly what the scan did
// before it, for names, NIC names and NIC IDs in any case, in PrivateEndpoints order.
func TestPrivateEndpointsNamedIndex(t *testing.T) {
	build := func() *Network {
		nic := func(name string) ID {
			return ID("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/" + name)
		}
		return &Network{PrivateEndpoints: []*PrivateEndpoint{
			{ID: "/pe/a", Name: "pe-sql", NICID: nic("pe-sql.nic.1111")},
			{ID: "/pe/b", Name: "pe-blob", NICID: nic("pe-blob.nic.2222")},
			{ID: "/pe/c", Name: "PE-SQL"}, // the same name in another resource group, no NIC known
			{ID: "/pe/d", Name: "pe-sql.nic.1111"},
		}}
	}
	frozen := build()
	frozen.Freeze()
	scan := build()
	for _, ref := range []string{"pe-sql", "Pe-Sql", "pe-sql.nic.1111", "PE-BLOB.NIC.2222", "pe-blob",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/PE-BLOB.nic.2222", "none", ""} {
		ids := func(ps []*PrivateEndpoint) []ID {
			var out []ID
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		got, want := ids(frozen.PrivateEndpointsNamed(ref)), ids(scan.PrivateEndpointsNamed(ref))
		if !slices.Equal(got, want) {
			t.Errorf("%q: index %v, scan %v", ref, got, want)
		}
	}
	if got := len(scan.PrivateEndpointsNamed("pe-sql.nic.1111")); got != 2 {
		t.Errorf("pe-sql.nic.1111 names %d endpoints by scan, want 2 (one by NIC name, one by its own name)", got)
	}
}
