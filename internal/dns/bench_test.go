package dns

import "testing"

// BenchmarkResolve measures one resolution through the firewall proxy (two traced legs, a
// CNAME and a zone lookup) on the hand-made estate.
func BenchmarkResolve(b *testing.B) {
	e := newEstate()
	p := e.plane()
	for b.Loop() {
		if _, err := Resolve(p, e.vmA, "stdata.blob.core.windows.net"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveAzureDNS is the common case: Azure DNS, one traced leg, a linked zone.
func BenchmarkResolveAzureDNS(b *testing.B) {
	e := newEstate()
	p := e.plane()
	for b.Loop() {
		if _, err := Resolve(p, e.vmHub, "stdata.privatelink.blob.core.windows.net"); err != nil {
			b.Fatal(err)
		}
	}
}
