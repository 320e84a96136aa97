package reach

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestClassEdgesHoldOnExample asks the bundled example about every port, not the twin's small
// universe: each class must give its first and last port, at its first and last address, the
// verdict its example proves. A port the platform treats apart (the host's reserved UDP port, a
// firewall's DNS proxy) that no rule names once hid inside a wide class.
func TestClassEdgesHoldOnExample(t *testing.T) {
	n, err := convert.Load([]string{"../../examples/hub-spoke"}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := dataplane.Build(n)
	m := Build(p)
	at := func(ref, addr string) []Endpoint { return []Endpoint{{Ref: ref, Addr: netip.MustParseAddr(addr)}} }
	queries := []Query{
		{From: at("vm-webpub1", "10.1.3.4")},
		{From: at("vm-app1", "10.1.2.4")},
		{To: at("vm-web1", "10.1.1.4")},
		{To: at("10.0.1.4", "10.0.1.4")}, // the firewall's own address: its DNS proxy listens on 53
	}
	for _, q := range queries {
		q.Protocols = []model.Protocol{model.ProtoTCP, model.ProtoUDP}
		res, err := Run(context.Background(), m, q)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, c := range res.Classes {
			if c.Label == "Internet" && c.Addrs.Hi-c.Addrs.Lo > 1<<20 {
				continue // the internet's ranges: the twin covers them; the ports are what this asks
			}
			for _, port := range []uint16{c.Ports.Lo, c.Ports.Hi} {
				for _, a := range []uint32{c.Addrs.Lo, c.Addrs.Hi} {
					tq := c.Example
					tq.DestinationPort = port
					if q.To != nil {
						tq.From = addrOf(a).String()
					} else {
						tq.To = addrOf(a).String()
					}
					ans, err := trace.Run(p, tq)
					got := verdictOf(ans)
					if err != nil {
						got = trace.Verdict(fmt.Sprint("error: ", err))
					}
					if got != c.Verdict {
						t.Errorf("%v: class %s %s %v ports %d-%d is %s, but %s → %s port %d traces %s",
							q.From, c.Label, c.Protocol, c.Addrs, c.Ports.Lo, c.Ports.Hi, c.Verdict, tq.From, tq.To, port, got)
					}
					checked++
				}
			}
		}
		if checked == 0 {
			t.Errorf("%v%v: no class checked", q.From, q.To)
		}
	}
}
