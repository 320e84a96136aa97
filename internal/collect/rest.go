package collect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
)

const (
	// dnsResolverAPI reads forwarding rules and ruleset links; Resource Graph has neither
	// (spec collect.md §1: not in ARG).
	dnsResolverAPI = "2022-07-01"
	// serviceTagsAPI is the Service Tag Discovery API (GET
	// /subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/serviceTags).
	serviceTagsAPI  = "2024-07-01"
	targetsPerQuery = 200
)

// targets reads the resources private endpoints point at that no family collected, by ID,
// so a collected snapshot names the same endpoint targets as the estate.
func (r *run) targets(ctx context.Context, scopes []scope) {
	ids := r.seen.missingTargets()
	if len(ids) == 0 || ctx.Err() != nil {
		return
	}
	sem := make(chan struct{}, r.opt.Parallel)
	var wg sync.WaitGroup
	for i := 0; i < len(ids); i += targetsPerQuery {
		q := idQuery(ids[i:min(i+targetsPerQuery, len(ids))])
		for j, sc := range scopes {
			wg.Go(func() { r.job(ctx, sem, fmt.Sprintf("targets-%03d-%03d", i/targetsPerQuery+1, j+1), q, maxTop, sc) })
		}
	}
	wg.Wait()
}

// rest reads what Resource Graph lacks: forwarding rules and ruleset VNet links per ruleset,
// and the service tags of the cloud.
func (r *run) rest(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	r.rulesets(ctx)
	r.serviceTags(ctx)
}

func (r *run) rulesets(ctx context.Context) {
	r.seen.mu.Lock()
	sets := append([]string(nil), r.seen.rulesets...)
	r.seen.mu.Unlock()
	if len(sets) == 0 {
		return
	}
	for _, child := range []string{"forwardingRules", "virtualNetworkLinks"} {
		var mu sync.Mutex
		var rows []json.RawMessage
		sem := make(chan struct{}, r.opt.Parallel)
		var wg sync.WaitGroup
		for _, id := range sets {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				vals, err := r.list(ctx, strings.TrimRight(id, "/")+"/"+child, dnsResolverAPI)
				if err != nil {
					r.failErr(id+"/"+child, err)
					return
				}
				vals = r.inspect(vals)
				mu.Lock()
				rows = append(rows, vals...)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(rows) == 0 {
			continue
		}
		sortRows(rows)
		f, err := valueFile(r.tmp, "rest/dnsForwardingRulesets-"+child+".json", "rest: dnsForwardingRulesets/*/"+child, rows)
		if err != nil {
			r.failErr("write", err)
			continue
		}
		r.addFile(f)
		r.c.stats.rows.Add(int64(len(rows)))
	}
}

// serviceTags asks once: the location picks only the version of the file, every region of
// the cloud comes back (azure-powershell Get-AzNetworkServiceTag.md, spec collect.md §1).
func (r *run) serviceTags(ctx context.Context) {
	loc := r.seen.region()
	if loc == "" || r.subsRead == 0 && r.opt.ManagementGroup == "" {
		return
	}
	sub := r.firstSubscription()
	if sub == "" {
		return
	}
	path := fmt.Sprintf("/subscriptions/%s/providers/Microsoft.Network/locations/%s/serviceTags", sub, loc)
	resp, b, err := r.c.do(ctx, http.MethodGet, r.c.url(path, serviceTagsAPI), nil)
	if err != nil {
		r.failErr(path, err)
		return
	}
	if resp.StatusCode != http.StatusOK {
		r.failErr(path, statusError(path, resp.StatusCode, b))
		return
	}
	var st struct {
		Values []json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		r.fail(path, resp.StatusCode, "unreadable service tags answer: "+err.Error())
		return
	}
	f, err := writeFile(r.tmp, "rest/serviceTags.json", "rest: "+path, len(st.Values), b)
	if err != nil {
		r.failErr("write", err)
		return
	}
	r.addFile(f)
}

// firstSubscription is a readable subscription for subscription-scoped REST calls.
func (r *run) firstSubscription() string {
	for _, s := range lowerAll(r.opt.Subscriptions) {
		r.mu.Lock()
		failed := false
		for _, e := range r.man.Errors {
			if e.Scope == "/subscriptions/"+s {
				failed = true
			}
		}
		r.mu.Unlock()
		if !failed {
			return s
		}
	}
	r.seen.mu.Lock()
	defer r.seen.mu.Unlock()
	for id := range r.seen.ids { // management group scope: any collected resource's subscription
		if parts := strings.Split(id, "/"); len(parts) > 2 && parts[1] == "subscriptions" {
			return parts[2]
		}
	}
	return ""
}

// valueFile is an ARM list answer as the loader reads it: {"value": [rows]}.
func valueFile(dir, rel, source string, rows []json.RawMessage) (File, error) {
	parts := [][]byte{[]byte("{\"value\": [\n")}
	for i, row := range rows {
		if i > 0 {
			parts = append(parts, []byte(",\n"))
		}
		parts = append(parts, row)
	}
	parts = append(parts, []byte("\n]}\n"))
	return writeFile(dir, rel, source, len(rows), parts...)
}

// sortRows orders rows by id so that a collection is the same whatever order answers came in.
func sortRows(rows []json.RawMessage) {
	type keyed struct {
		key string
		row json.RawMessage
	}
	ks := make([]keyed, len(rows))
	for i, row := range rows {
		var h rowHead
		json.Unmarshal(row, &h)
		ks[i] = keyed{strings.ToLower(h.ID), row}
	}
	sort.SliceStable(ks, func(i, j int) bool { return ks[i].key < ks[j].key })
	for i := range ks {
		rows[i] = ks[i].row
	}
}
