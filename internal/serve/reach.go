package serve

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
)

// /api/reach?to=|from=&proto=&dport=&all=&assume=: who can reach a place, or what a place can
// reach (cli.md "reach"), as `vnetdoctor reach -o json` prints it. The document is the CLI's
// (Options.ReachJSON), so the bytes are the CLI's; the answer comes from ask.Reach.
//
// A reach question traces thousands of packets: on the 10,000-NIC estate it takes seconds of
// CPU. So at most one runs at a time per two CPUs (a queued request waits, and gives up when its
// client goes away or its time limit passes), traces keep the other CPUs, and answers are kept
// (the snapshot never changes) for the next asker of the same question.

// maxReachAnswers bounds the answers kept; past it the oldest is dropped.
const maxReachAnswers = 64

// reachCache keeps reach answers by their query string.
type reachCache struct {
	mu    sync.Mutex
	m     map[string]any
	order []string
}

func (c *reachCache) get(k string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *reachCache) put(k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]any{}
	}
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.order) == maxReachAnswers {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}

// reachQuery reads a reach query with the CLI's defaults and checks (cmd/vnetdoctor reach).
func reachQuery(q url.Values) (ask.ReachQuery, error) {
	p, err := params(q, "to", "from", "proto", "dport", "all", "assume")
	if err != nil {
		return ask.ReachQuery{}, err
	}
	rq := ask.ReachQuery{To: p["to"], From: p["from"]}
	if (rq.To == "") == (rq.From == "") {
		return rq, paramf("give exactly one of to= (who can reach it) and from= (what it can reach)")
	}
	protos := p["proto"]
	if protos == "" {
		protos = "tcp,udp"
	}
	for _, s := range strings.Split(protos, ",") {
		pr, ok := model.ParseProtocol(strings.TrimSpace(s))
		if !ok || (pr != model.ProtoTCP && pr != model.ProtoUDP && pr != model.ProtoICMP) {
			return rq, paramf("proto= takes tcp, udp and icmp, comma-separated, not %q", s)
		}
		rq.Protocols = append(rq.Protocols, pr)
	}
	if d := p["dport"]; d != "" {
		ps, err := reach.ParsePorts(d)
		if err != nil {
			return rq, paramf("dport=: %v", err)
		}
		rq.Ports = ps
	}
	switch p["all"] {
	case "", "false", "0":
	case "true", "1":
		rq.All = true
	default:
		return rq, paramf("all= must be true or false, not %q", p["all"])
	}
	return rq, nil
}

func (s *Server) apiReach(ctx context.Context, q url.Values) (any, error) {
	if s.opts.ReachJSON == nil {
		return nil, errNotAvailable("reach")
	}
	rq, err := reachQuery(q)
	if err != nil {
		return nil, err
	}
	o, err := s.options(q)
	if err != nil {
		return nil, err
	}
	key := canonical(q)
	if v, ok := s.reaches.get(key); ok {
		return v, nil
	}
	if err := s.acquireHeavy(ctx); err != nil {
		return nil, err
	}
	defer s.releaseHeavy()
	if v, ok := s.reaches.get(key); ok { // answered while this request waited
		return v, nil
	}
	a, err := ask.Reach(ctx, s.snap, rq, o)
	if err != nil {
		return nil, err
	}
	v := s.opts.ReachJSON(a)
	s.reaches.put(key, v)
	return v, nil
}

// canonical is a query string with its values sorted, so equal questions share a cache entry.
func canonical(q url.Values) string {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
		if k == "assume" {
			slices.Sort(c[k])
		}
	}
	return c.Encode()
}

// acquireHeavy waits for a heavy question's turn (reach, check), or for ctx to end.
func (s *Server) acquireHeavy(ctx context.Context) error {
	select {
	case s.heavy <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) releaseHeavy() { <-s.heavy }
