package main

import (
	"context"
	"io"
	"net/netip"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

func runTrace(args []string, stdin io.Reader, stdout io.Writer) error {
	var c common
	var q trace.Query
	var proto string
	var sport, dport uint
	fs := newFlagSet("trace", &c)
	fs.StringVar(&q.From, "from", "", "source: VM, NIC, private endpoint, firewall, LB, public IP, IP, internet:<ip>")
	fs.StringVar(&q.To, "to", "", "destination, same forms as --from, or a DNS name the source VM resolves")
	fs.StringVar(&proto, "proto", "tcp", "protocol: tcp|udp|icmp")
	fs.UintVar(&dport, "dport", 0, "destination port")
	fs.UintVar(&sport, "sport", trace.DefaultSourcePort, "source port")
	fs.StringVar(&q.FQDN, "fqdn", "", "TLS SNI / HTTP Host the client sends")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if q.From == "" || q.To == "" {
		return usagef("trace: --from and --to are required")
	}
	p, ok := model.ParseProtocol(proto)
	if !ok || p == model.ProtoAny {
		return usagef("trace: --proto must be tcp, udp, icmp, esp or ah, not %q", proto)
	}
	if sport > 65535 || dport > 65535 {
		return usagef("trace: ports must be 0-65535")
	}
	for _, ep := range []struct{ flag, ref string }{{"--from", q.From}, {"--to", q.To}} {
		if err := checkInternet(ep.flag, ep.ref); err != nil {
			return err
		}
	}
	q.Protocol, q.SourcePort, q.DestinationPort = p, uint16(sport), uint16(dport)
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Trace(ctx, snap, q, c.options()) // --to NAME is resolved as the source VM would (spec §8)
	if err != nil {
		return explain(err, c.net)
	}
	if c.output == "json" {
		return c.writeJSON(stdout, a)
	}
	return render.TraceStyled(stdout, a, c.style)
}

// checkInternet rejects internet:<ip> when ip is not an internet address (private, shared,
// loopback, link-local, multicast or unspecified): a client on the internet cannot have it, and
// tracing from it would answer a question nobody asked.
func checkInternet(flag, ref string) error {
	s, ok := strings.CutPrefix(strings.ToLower(ref), "internet:")
	if !ok {
		return nil
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return usagef("trace: %s %s: want internet:<public IP address>", flag, ref)
	}
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() ||
		a.Is4() && sharedSpace.Contains(a) {
		return usagef("trace: %s %s: %s is not an internet address; give the private IP itself (or the resource's name) "+
			"for an address inside Azure or on-premises", flag, ref, a)
	}
	return nil
}

// sharedSpace is 100.64.0.0/10 (RFC 6598), never routed on the internet.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")
