package main

import (
	"context"
	"io"

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
	fs.UintVar(&sport, "sport", 49152, "source port")
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
	q.Protocol, q.SourcePort, q.DestinationPort = p, uint16(sport), uint16(dport)
	ctx := context.Background()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	a, err := ask.Trace(ctx, snap, q, c.options()) // --to NAME is resolved as the source VM would (spec §8)
	if err != nil {
		return err
	}
	if c.output == "json" {
		return render.JSON(stdout, a)
	}
	return render.Trace(stdout, a)
}
