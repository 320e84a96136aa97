package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Options are collect's inputs (cli.md "collect").
type Options struct {
	Subscriptions   []string
	ManagementGroup string
	Out             string
	Force           bool
	Effective       []string // NIC names or IDs
	EffectiveSample int
	Endpoint        string // --arm-endpoint; PublicARM when empty
	Credential      azcore.TokenCredential
	Parallel        int
	Version         string
	Progress        io.Writer // a terminal, or nil for quiet

	// For tests and tuning; zero values take the defaults.
	Transport     policy.Transporter
	MaxRetries    int32
	TryTimeout    time.Duration
	RetryDelay    time.Duration
	BatchSize     int
	PageBytes     int64 // the answer size pages are sized for (default 12 MiB)
	PollFrequency time.Duration
	Audience      string
}

// FatalError means nothing was written (exit 2).
type FatalError struct{ Msg string }

func (e *FatalError) Error() string { return e.Msg }

func fatalf(format string, a ...any) error { return &FatalError{fmt.Sprintf(format, a...)} }

// run is one collection in progress.
type run struct {
	opt Options
	c   *client
	tmp string

	mu       sync.Mutex
	man      Manifest
	seen     *seen
	subsRead int

	retried, halved, redacted atomic.Int64
	queries, queriesDone      atomic.Int64 // for the progress line
	limitHit                  atomic.Bool
}

// Run collects into opt.Out. It returns the manifest (its Errors say what is missing: exit
// 4) or a *FatalError when nothing was written.
func Run(ctx context.Context, opt Options) (*Manifest, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	base, insecure, err := ParseEndpoint(opt.Endpoint)
	if err != nil {
		return nil, &FatalError{err.Error()}
	}
	r := &run{opt: opt, c: newClient(base, insecure, opt.Credential, &opt), seen: newSeen(opt.wantNICs())}
	r.man = Manifest{Tool: "vnetdoctor", Version: opt.Version, StartedAt: time.Now().UTC(), Scope: opt.scopeNames(),
		Files: []File{}, Errors: []Error{}, Warnings: []string{}}
	stop := r.progress()
	m, err := r.collect(ctx)
	stop()
	if r.tmp != "" && err != nil {
		os.RemoveAll(r.tmp)
	}
	return m, err
}

func (o *Options) defaults() error {
	if (len(o.Subscriptions) == 0) == (o.ManagementGroup == "") {
		return fatalf("give --subscription ID (repeatable) or --management-group ID, not both")
	}
	if o.Out == "" {
		return fatalf("--out DIR is required")
	}
	if o.Credential == nil {
		return fatalf("no credential")
	}
	if o.Endpoint == "" {
		o.Endpoint = PublicARM
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	}
	if o.TryTimeout == 0 {
		o.TryTimeout = 2 * time.Minute
	}
	if o.BatchSize <= 0 {
		o.BatchSize = batchSize
	}
	if o.PageBytes <= 0 {
		o.PageBytes = pageBudget
	}
	if o.PollFrequency == 0 {
		o.PollFrequency = 2 * time.Second
	}
	if o.EffectiveSample < 0 {
		return fatalf("--effective-sample %d: not a count", o.EffectiveSample)
	}
	if len(o.Effective) > 0 && o.EffectiveSample > 0 {
		return fatalf("give --effective NIC... or --effective-sample N, not both")
	}
	return nil
}

func (o *Options) wantNICs() bool { return len(o.Effective) > 0 || o.EffectiveSample > 0 }

func (o *Options) scopeNames() []string {
	if o.ManagementGroup != "" {
		return []string{"/providers/Microsoft.Management/managementGroups/" + o.ManagementGroup}
	}
	var out []string
	for _, s := range lowerAll(o.Subscriptions) {
		out = append(out, "/subscriptions/"+s)
	}
	return out
}

func (r *run) collect(ctx context.Context) (*Manifest, error) {
	out, err := filepath.Abs(r.opt.Out)
	if err != nil {
		return nil, fatalf("--out %s: %v", r.opt.Out, err)
	}
	if _, err := os.Stat(out); err == nil && !r.opt.Force {
		return nil, fatalf("--out %s exists (use --force to replace it)", r.opt.Out)
	}
	scopes, err := r.resolveScopes(ctx)
	if err != nil {
		return nil, r.fatal(ctx, err)
	}
	if r.tmp, err = os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".partial-"); err != nil {
		return nil, fatalf("--out %s: %v", r.opt.Out, err)
	}
	r.graph(ctx, scopes)
	r.targets(ctx, scopes)
	r.rest(ctx)
	r.effective(ctx)
	if ctx.Err() != nil {
		return nil, fatalf("interrupted: nothing written to %s", r.opt.Out)
	}
	if len(r.man.Files) == 0 {
		return nil, r.fatal(ctx, errors.New(r.firstError()))
	}
	m := r.finish()
	if err := writeManifest(r.tmp, m); err != nil {
		return nil, fatalf("%v", err)
	}
	if err := replaceDir(r.tmp, out); err != nil {
		return nil, fatalf("--out %s: %v", r.opt.Out, err)
	}
	r.tmp = ""
	return m, nil
}

// fatal turns an error before anything was collected into exit 2, naming a refused token.
func (r *run) fatal(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fatalf("interrupted: nothing written to %s", r.opt.Out)
	}
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusUnauthorized {
		return fatalf("the credential was refused (401: %s); nothing written", he.message)
	}
	return fatalf("%v; nothing written", err)
}

func (r *run) firstError() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.man.Errors) > 0 {
		e := r.man.Errors[0]
		return fmt.Sprintf("%s: %d: %s", e.Scope, e.Status, e.Message)
	}
	return "nothing was collected"
}

func (r *run) finish() *Manifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.man
	st := r.c.stats
	m.FinishedAt = time.Now().UTC()
	m.Requests, m.Throttled, m.Bytes = st.requests.Load(), st.throttled.Load(), st.bytes.Load()
	m.QuotaWaits, m.WaitedSeconds = st.quotaWaits.Load(), time.Duration(st.waitedNano.Load()).Seconds()
	m.Rows, m.Retried, m.Halved, m.Redacted = st.rows.Load(), r.retried.Load(), r.halved.Load(), r.redacted.Load()
	m.Subscriptions = r.subsRead
	if r.limitHit.Load() {
		m.Errors = append(m.Errors, Error{Scope: m.Scope[0], Status: http.StatusOK,
			Message: "Resource Graph answered for the first 10,000 subscriptions only (x-ms-tenant-subscription-limit-hit)"})
	}
	return &m
}

// replaceDir renames tmp to out; with --force an existing out is moved aside first and
// removed only once the new one is in place.
func replaceDir(tmp, out string) error {
	if _, err := os.Stat(out); err == nil {
		old := tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, out); err != nil {
			os.Rename(old, out)
			return err
		}
		return os.RemoveAll(old)
	}
	return os.Rename(tmp, out)
}

// fail records a failed scope or call (manifest errors; exit 4). The same failure of one
// scope in several queries is listed once.
func (r *run) fail(scope string, status int, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := Error{Scope: scope, Status: status, Message: msg}
	if !slices.Contains(r.man.Errors, e) {
		r.man.Errors = append(r.man.Errors, e)
	}
}

// failErr records err against scope, with its HTTP status when it has one.
func (r *run) failErr(scope string, err error) {
	var he *httpError
	if errors.As(err, &he) {
		msg := he.message
		if he.code != "" {
			msg = he.code + ": " + msg
		}
		r.fail(scope, he.status, msg)
		return
	}
	r.fail(scope, 0, oneLine(err.Error()))
}

func (r *run) warnf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.man.Warnings = append(r.man.Warnings, fmt.Sprintf(format, a...))
}

func (r *run) addFile(f File) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.man.Files = append(r.man.Files, f)
}

// removeFiles undoes the pages of a scope that is about to be split.
func (r *run) removeFiles(paths []string) {
	drop := map[string]bool{}
	for _, p := range paths {
		drop[p] = true
		os.Remove(filepath.Join(r.tmp, filepath.FromSlash(p)))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.man.Files[:0]
	for _, f := range r.man.Files {
		if !drop[f.Path] {
			kept = append(kept, f)
		} else {
			r.c.stats.rows.Add(-int64(f.Rows))
		}
	}
	r.man.Files = kept
}

// graph runs every family over every scope with bounded parallelism.
func (r *run) graph(ctx context.Context, scopes []scope) {
	sem := make(chan struct{}, r.opt.Parallel)
	var wg sync.WaitGroup
	r.queries.Add(int64(len(families) * len(scopes)))
	for _, f := range families {
		for i, sc := range scopes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.job(ctx, sem, fmt.Sprintf("%s-%03d", f.name, i+1), f.query(), f.top, sc)
				r.queriesDone.Add(1)
			}()
		}
	}
	wg.Wait()
}

// job pages one query over one scope into files named label-page. A 403 undoes the scope's
// pages and splits it in halves (labels label.1 and label.2), so one refused subscription
// does not cost the readable ones.
func (r *run) job(ctx context.Context, sem chan struct{}, label, query string, top int, sc scope) {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	var written []string
	pageNo := 0
	err := r.stream(ctx, sc, query, top, func(p *graphPage, _ int) error {
		pageNo++
		rows := r.inspect(p.Data)
		rel := fmt.Sprintf("resourcegraph/%s-%04d.json", label, pageNo)
		f, err := dataFile(r.tmp, rel, "resourcegraph: "+label, rows)
		if err != nil {
			return err
		}
		written = append(written, rel)
		r.addFile(f)
		r.c.stats.rows.Add(int64(len(rows)))
		return nil
	})
	<-sem
	var fe errForbidden
	switch {
	case err == nil || ctx.Err() != nil:
	case errors.As(err, &fe) && len(sc.subs) > 1:
		r.removeFiles(written)
		half := len(sc.subs) / 2
		r.job(ctx, sem, label+".1", query, top, scope{subs: sc.subs[:half]})
		r.job(ctx, sem, label+".2", query, top, scope{subs: sc.subs[half:]})
	default:
		// pages already written stay: they are whole answers, and the gap is listed
		r.failErr(sc.String(), err)
	}
}

// progress prints one line on the terminal every 200 ms; it returns the function that stops it.
func (r *run) progress() func() {
	if r.opt.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprintf(r.opt.Progress, "\r\033[K")
				return
			case <-t.C:
				st := r.c.stats
				fmt.Fprintf(r.opt.Progress, "\r\033[Kcollect: queries %d/%d, %d requests, %d rows, %.1f MB, %d throttled, waited %.0fs",
					r.queriesDone.Load(), r.queries.Load(), st.requests.Load(), st.rows.Load(), float64(st.bytes.Load())/1e6,
					st.throttled.Load(), time.Duration(st.waitedNano.Load()).Seconds())
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// ErrorLines are the manifest's errors as stderr lines.
func (m *Manifest) ErrorLines() []string {
	var out []string
	for _, e := range m.Errors {
		out = append(out, strings.TrimSpace(fmt.Sprintf("%s: %d: %s", e.Scope, e.Status, e.Message)))
	}
	return out
}
