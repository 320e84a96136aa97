package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/flowdb"
	"github.com/vnetdoctor/vnetdoctor/internal/serve"
)

// runServe is `vnetdoctor serve -s SNAP [--addr 127.0.0.1:8080] [--token T]` (cli.md "serve"):
// the web UI at / and the CLI's JSON under /api/, until interrupted.
func runServe(args []string, stdin io.Reader, stdout io.Writer) error {
	return serveUntil(context.Background(), args, stdin, stdout, nil)
}

// serveUntil runs the server until ctx ends or SIGINT/SIGTERM arrives. When ready is not nil it
// receives the listening address once the server accepts connections (tests).
func serveUntil(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, ready chan<- string) error {
	var c common
	var addr, token, db string
	var timeout time.Duration
	fs := newFlagSet("serve", &c)
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "listen address; anything but loopback requires --token")
	fs.StringVar(&token, "token", "", "bearer token the API requires (default $VNETDOCTOR_TOKEN)")
	fs.StringVar(&db, "db", "", "flow database (vnetdoctor flows ingest): /api/flows/explain and /api/flows/report")
	fs.DurationVar(&timeout, "timeout", serve.DefaultRequestTimeout, "time limit of one request")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if token == "" {
		token = os.Getenv("VNETDOCTOR_TOKEN")
	}
	loopback := serve.IsLoopbackAddr(addr)
	switch {
	case !loopback && token == "":
		return usagef("serve: --addr %s is not a loopback address: set --token (or VNETDOCTOR_TOKEN) so the API requires Authorization: Bearer", addr)
	case timeout <= 0:
		return usagef("serve: --timeout must be positive")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	snap, err := c.snapshot(ctx, stdin)
	if err != nil {
		return err
	}
	opts := c.options() // --assume: the default of every request, which assume= overrides
	so := serve.Options{Token: token, RequestTimeout: timeout, Loopback: loopback, Ask: &opts,
		ReachJSON: func(a *ask.ReachAnswer) any { return reachJSON(a) }}
	if db != "" {
		ff := flowFlags{common: c, db: db}
		if err := ff.check("serve", false); err != nil {
			return err
		}
		st, err := ff.open(ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		so.Flows = serveFlows{st: st, snap: snap, opts: opts}
	}
	s := serve.New(snap, so)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usagef("serve: %v", err)
	}
	hs := s.HTTPServer(addr)
	go s.Warm(ctx) // /api/status says warming until the tables are built
	fmt.Fprintf(stdout, "vnetdoctor: serving %d VNets on http://%s/ (Ctrl-C to stop)\n", len(snap.Plane.Net.VNets), ln.Addr())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveFlows answers /api/flows/* from the flow database as `vnetdoctor flows` does
// (runFlowsExplain), for many requests at once: each explains with its own Explainer.
type serveFlows struct {
	st   flowdb.Store
	snap *ask.Snapshot
	opts ask.Options
}

func (f serveFlows) Explain(ctx context.Context, q serve.FlowsExplainQuery) (any, error) {
	filter := flowdb.Filter{Src: q.Src, Dst: q.Dst, DeniedOnly: q.Denied}
	if q.DstPort >= 0 {
		filter.DstPort, filter.HasDPort = uint16(q.DstPort), true
	}
	rows, _, err := explainFlows(ctx, "flows explain", f.st, f.snap, f.opts, filter, q.Disagree, q.Limit)
	if err != nil {
		return nil, err
	}
	return explainAnswer{Flows: rows}, nil
}

// Report answers one view as `vnetdoctor flows report -s SNAP` does (runFlowsReport).
func (f serveFlows) Report(ctx context.Context, q serve.FlowsReportQuery) (any, error) {
	rq := flowdb.ReportQuery{View: q.View, Limit: q.Limit}
	var err error
	if rq.SinceMs, err = parseFlowTime("since=", q.Since); err != nil {
		return nil, &ask.QueryError{Message: err.Error()}
	}
	if rq.UntilMs, err = parseFlowTime("until=", q.Until); err != nil {
		return nil, &ask.QueryError{Message: err.Error()}
	}
	if rq.SinceMs != 0 && rq.UntilMs != 0 && rq.UntilMs <= rq.SinceMs {
		return nil, &ask.QueryError{Message: "flows report: until= must be after since="}
	}
	r, err := flowdb.Run(ctx, f.st, rq, f.snap.Plane.Net)
	if err != nil {
		return nil, fmt.Errorf("flows report: %w", err)
	}
	return r, nil
}
