package dataplane

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// Warm builds now every table the data plane otherwise builds on first use: the effective
// route table of every subnet (fib), then the effective rules of every NIC ip configuration,
// private endpoint and subnet (acl), with everything they compile on the way (service tags,
// subnet contexts, NSGs, admin rules). Firewall engines and the index are built by Build.
//
// The work is spread over GOMAXPROCS goroutines. Warm is safe to call while questions run (the
// tables are built once, whoever asks first) and more than once. It stops early when ctx is
// done and then returns ctx.Err(); the tables built so far stay built. Servers and batch jobs
// call it so the first question pays no cold-start cost; the CLI stays lazy.
func (p *Plane) Warm(ctx context.Context) error {
	for _, phase := range [][]func(){p.routeJobs(), p.ruleJobs()} {
		if err := runJobs(ctx, phase); err != nil {
			return err
		}
	}
	return nil
}

// routeJobs builds each subnet's effective route table.
func (p *Plane) routeJobs() []func() {
	if p.FIB == nil {
		return nil
	}
	var jobs []func()
	for _, s := range p.FIB.Subnets() {
		jobs = append(jobs, func() { p.FIB.Subnet(s) })
	}
	return jobs
}

// ruleJobs builds the effective rules of every ip configuration, private endpoint and subnet.
// They read the route tables (the VirtualNetwork tag, spec §2.4), so they run after routeJobs.
func (p *Plane) ruleJobs() []func() {
	if p.ACL == nil {
		return nil
	}
	var jobs []func()
	for _, nic := range p.Net.NICs {
		if nic == nil {
			continue
		}
		for _, c := range nic.IPConfigs {
			if c != nil {
				jobs = append(jobs, func() { p.warmIPConfig(c) })
			}
		}
	}
	for _, pe := range p.Net.PrivateEndpoints {
		if pe != nil {
			jobs = append(jobs, func() { p.ACL.ForPrivateEndpoint(pe) })
		}
	}
	for _, s := range p.Net.Subnets {
		if s != nil {
			jobs = append(jobs, func() { p.ACL.ForSubnet(s) })
		}
	}
	return jobs
}

// warmIPConfig builds an ip configuration's rules, and also their reading with the Internet tag
// as the static public space (--assume internet-tag, spec §2.4) where the subnet's two readings
// differ: trace consults both there on every flow (trace.walker.internetTag), so leaving the
// second lazy made the first trace to or from each such NIC compile its NSGs again.
func (p *Plane) warmIPConfig(c *model.IPConfig) {
	p.ACL.ForIPConfig(c)
	if c.Subnet != nil && p.ACL.InternetContested(c.Subnet) {
		p.ACL.ForIPConfigStatic(c)
	}
}

// runJobs runs jobs on GOMAXPROCS goroutines, each taking the next job until none is left or
// ctx is done. A job's panic stops its worker and is raised again in the caller once every
// worker has returned, so the caller's recover sees it (issue 10: a panic in any goroutine is
// an internal error, never a crash).
func runJobs(ctx context.Context, jobs []func()) error {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	panics := make([]any, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[w] = recover() }()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(jobs)) {
					return
				}
				jobs[i]()
			}
		}()
	}
	wg.Wait()
	for _, r := range panics {
		if r != nil {
			panic(r)
		}
	}
	return ctx.Err()
}
