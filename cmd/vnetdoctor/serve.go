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
	fs.StringVar(&db, "db", "", "flows database (not available in this build)")
	fs.DurationVar(&timeout, "timeout", serve.DefaultRequestTimeout, "time limit of one request")
	if err := parse(fs, &c, args); err != nil {
		return err
	}
	if token == "" {
		token = os.Getenv("VNETDOCTOR_TOKEN")
	}
	loopback := serve.IsLoopbackAddr(addr)
	switch {
	case db != "":
		return usagef("serve: --db: flows are not available in this build")
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
	s := serve.New(snap, serve.Options{Token: token, RequestTimeout: timeout, Loopback: loopback, Ask: &opts,
		ReachJSON: func(a *ask.ReachAnswer) any { return reachJSON(a) }})
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
