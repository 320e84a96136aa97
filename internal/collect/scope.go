package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

const (
	subscriptionsAPI = "2022-12-01"
	mgAPI            = "2020-05-01"
	// batchSize: the Resource Graph REST API takes a bounded list of subscriptions per query;
	// Microsoft's answer for more is to batch them, 1,000 at a time
	// (learn.microsoft.com/azure/governance/resource-graph/troubleshoot/general, "Too many
	// subscriptions").
	batchSize = 1000
	// mgLimit: a management group query covers its first 10,000 subscriptions, then says
	// x-ms-tenant-subscription-limit-hit: true (concepts/guidance-for-throttled-requests).
	mgLimit = 10000
)

// listPage is an ARM list answer.
type listPage struct {
	Value    []json.RawMessage `json:"value"`
	NextLink string            `json:"nextLink"`
}

// list follows nextLink to the end and returns every value.
func (r *run) list(ctx context.Context, path, api string) ([]json.RawMessage, error) {
	u := r.c.url(path, api)
	var out []json.RawMessage
	for u != "" {
		resp, b, err := r.c.do(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, statusError(path, resp.StatusCode, b)
		}
		var p listPage
		if err := json.Unmarshal(b, &p); err != nil {
			return nil, fmt.Errorf("GET %s: unreadable answer: %v", path, err)
		}
		out = append(out, p.Value...)
		u = ""
		if p.NextLink != "" {
			u = r.c.url(p.NextLink, "")
		}
	}
	return out, nil
}

// visibleSubscriptions is every subscription the caller can read (GET /subscriptions lists
// those where the caller has a role). Resource Graph silently leaves out a subscription the
// caller cannot read, so this list is how the gap is found and reported.
func (r *run) visibleSubscriptions(ctx context.Context) (map[string]bool, error) {
	vals, err := r.list(ctx, "/subscriptions", subscriptionsAPI)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, v := range vals {
		var s struct {
			SubscriptionID string `json:"subscriptionId"`
		}
		if json.Unmarshal(v, &s) == nil && s.SubscriptionID != "" {
			out[strings.ToLower(s.SubscriptionID)] = true
		}
	}
	return out, nil
}

// eachSubscription reads GET /subscriptions/{id} for each one asked for, when the list is
// not available. When every answer is a 404 the endpoint cannot tell readable from missing:
// every subscription is kept, with a warning, and Resource Graph's answers decide.
func (r *run) eachSubscription(ctx context.Context, subs []string) (map[string]bool, error) {
	out := map[string]bool{}
	var mu sync.Mutex
	notFound := 0
	sem := make(chan struct{}, r.opt.Parallel)
	var wg sync.WaitGroup
	var fatal error
	for _, s := range subs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, _, err := r.c.do(ctx, http.MethodGet, r.c.url("/subscriptions/"+s, subscriptionsAPI), nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				fatal = err
			case resp.StatusCode == http.StatusOK:
				out[s] = true
			case resp.StatusCode == http.StatusUnauthorized:
				fatal = &httpError{scope: "/subscriptions/" + s, status: resp.StatusCode, message: "the credential was refused"}
			case resp.StatusCode == http.StatusNotFound:
				notFound++
			}
		})
	}
	wg.Wait()
	if fatal != nil {
		return nil, fatal
	}
	if notFound == len(subs) {
		r.warnf("the endpoint answers neither GET /subscriptions nor GET /subscriptions/{id}; subscriptions the caller cannot read may be missing without being named")
		for _, s := range subs {
			out[s] = true
		}
	}
	return out, nil
}

// mgSubscriptions lists the subscriptions under a management group, at any depth.
func (r *run) mgSubscriptions(ctx context.Context, mg string) ([]string, error) {
	vals, err := r.list(ctx, "/providers/Microsoft.Management/managementGroups/"+mg+"/descendants", mgAPI)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range vals {
		var d struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		if json.Unmarshal(v, &d) == nil && strings.HasSuffix(strings.ToLower(d.Type), "/subscriptions") {
			out = append(out, strings.ToLower(d.Name))
		}
	}
	return out, nil
}

// resolveScopes returns the scopes to query and records each subscription the caller cannot
// read. No readable subscription at all is an error (exit 2, nothing written).
func (r *run) resolveScopes(ctx context.Context) ([]scope, error) {
	want := lowerAll(r.opt.Subscriptions)
	visible, err := r.visibleSubscriptions(ctx)
	var he *httpError
	switch {
	case errors.As(err, &he) && he.status != http.StatusUnauthorized && r.opt.ManagementGroup == "":
		// The list is refused or absent: ask for each subscription instead.
		if visible, err = r.eachSubscription(ctx, want); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("listing the caller's subscriptions: %w", err)
	}
	if r.opt.ManagementGroup != "" {
		subs, err := r.mgSubscriptions(ctx, r.opt.ManagementGroup)
		if err != nil {
			// Without the list, the management group query still runs; gaps cannot be named.
			r.warnf("management group %s: its subscriptions could not be listed (%v); subscriptions the caller cannot read are missing without being named",
				r.opt.ManagementGroup, err)
			return []scope{{mg: r.opt.ManagementGroup}}, nil
		}
		want = subs
	}
	var readable []string
	for _, s := range want {
		if visible[s] {
			readable = append(readable, s)
			continue
		}
		r.fail("/subscriptions/"+s, http.StatusForbidden,
			"the caller cannot read this subscription (no role on it, or it does not exist); its resources are missing")
	}
	if len(readable) == 0 {
		return nil, fmt.Errorf("the caller can read none of the %d subscriptions asked for", len(want))
	}
	r.subsRead = len(readable)
	if r.opt.ManagementGroup != "" && len(readable) <= mgLimit {
		return []scope{{mg: r.opt.ManagementGroup}}, nil
	}
	sort.Strings(readable)
	var out []scope
	for i := 0; i < len(readable); i += r.opt.BatchSize {
		out = append(out, scope{subs: readable[i:min(i+r.opt.BatchSize, len(readable))]})
	}
	return out, nil
}

func lowerAll(xs []string) []string {
	out := make([]string, 0, len(xs))
	seen := map[string]bool{}
	for _, x := range xs {
		x = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(x), "/subscriptions/"))
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
