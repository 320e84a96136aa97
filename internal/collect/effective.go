package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// effectiveAPI is the api-version of the two NIC actions (spec collect.md §6).
const effectiveAPI = "2024-07-01"

// liveCall is one of Azure's own answers for a NIC: a long-running POST (202 with Location
// or Azure-AsyncOperation, polled, Retry-After honoured) that needs its own permission
// (network-watcher/required-rbac-permissions.md; Reader has no .../action).
type liveCall struct {
	action, dir, permission string
	normalise               func([]byte) ([]byte, int, error)
}

var liveCalls = []liveCall{
	{"effectiveRouteTable", "live/effective-routes", "Microsoft.Network/networkInterfaces/effectiveRouteTable/action", normaliseRoutes},
	{"effectiveNetworkSecurityGroups", "live/effective-nsg", "Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action", normaliseNSGs},
}

// effective asks Azure for the effective routes and security rules of the chosen NICs and
// stores them as `az network nic show-effective-route-table` / `list-effective-nsg` print
// them ({"value": [...]}).
func (r *run) effective(ctx context.Context) {
	if !r.opt.wantNICs() || ctx.Err() != nil {
		return
	}
	nics := r.chooseNICs()
	names := fileNames(nics)
	sem := make(chan struct{}, min(r.opt.Parallel, 8))
	var wg sync.WaitGroup
	for i, n := range nics {
		for _, lc := range liveCalls {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				r.live(ctx, n, names[i], lc)
			})
		}
	}
	wg.Wait()
}

func (r *run) live(ctx context.Context, n nicInfo, name string, lc liveCall) {
	where := n.ID + "/" + lc.action
	resp, _, err := r.c.do(ctx, http.MethodPost, r.c.url(strings.TrimRight(n.ID, "/")+"/"+lc.action, effectiveAPI), nil)
	if err != nil {
		r.failErr(where, err)
		return
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		b, _ := runtime.Payload(resp)
		he := statusError(where, resp.StatusCode, b)
		switch resp.StatusCode {
		case http.StatusForbidden:
			he.message += " (needs " + lc.permission + ")"
		case http.StatusBadRequest, http.StatusNotFound:
			he.message += " (Azure answers only for a NIC attached to a running VM)"
		}
		r.failErr(where, he)
		return
	}
	poller, err := runtime.NewPoller[json.RawMessage](resp, r.c.pl, nil)
	if err != nil {
		r.failErr(where, err)
		return
	}
	body, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: r.opt.PollFrequency})
	if err != nil {
		r.failErr(where, fmt.Errorf("polling: %v", err))
		return
	}
	out, rows, err := lc.normalise(body)
	if err != nil {
		r.fail(where, http.StatusOK, "unreadable answer: "+err.Error())
		return
	}
	f, err := writeFile(r.tmp, lc.dir+"/"+name+".json", "live: "+n.ID, rows, out)
	if err != nil {
		r.failErr("write", err)
		return
	}
	r.addFile(f)
}

// chooseNICs resolves --effective names or IDs, or samples --effective-sample NICs: NICs of
// VMs only (Azure answers for a NIC on a running VM), one subnet at a time across VNets, so
// the sample covers as many VNets and subnets (and so subnet kinds) as it can.
func (r *run) chooseNICs() []nicInfo {
	r.seen.mu.Lock()
	all := append([]nicInfo(nil), r.seen.nics...)
	r.seen.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return strings.ToLower(all[i].ID) < strings.ToLower(all[j].ID) })
	if len(r.opt.Effective) > 0 {
		var out []nicInfo
		for _, want := range r.opt.Effective {
			var hits []nicInfo
			for _, n := range all {
				if strings.EqualFold(n.ID, want) || strings.EqualFold(n.Name, want) {
					hits = append(hits, n)
				}
			}
			if len(hits) == 0 {
				r.fail(want, http.StatusNotFound, "--effective: no collected NIC has this name or ID")
			}
			out = append(out, hits...)
		}
		return out
	}
	return sample(all, r.opt.EffectiveSample)
}

func sample(all []nicInfo, n int) []nicInfo {
	type vnet struct {
		subnets [][]nicInfo // VM NICs per subnet, in ID order
		next    int         // the subnet the next pick starts from
	}
	var vnets []*vnet
	byVNet := map[string]*vnet{}
	bySubnet := map[string]int{}
	for _, x := range all {
		if !x.VM {
			continue
		}
		s := strings.ToLower(x.Subnet)
		key, _, _ := strings.Cut(s, "/subnets/")
		v := byVNet[key]
		if v == nil {
			v = &vnet{}
			byVNet[key] = v
			vnets = append(vnets, v)
		}
		i, ok := bySubnet[s]
		if !ok {
			i = len(v.subnets)
			bySubnet[s] = i
			v.subnets = append(v.subnets, nil)
		}
		v.subnets[i] = append(v.subnets[i], x)
	}
	var out []nicInfo
	for len(out) < n {
		took := false
		for _, v := range vnets { // one NIC per VNet per round, from its next subnet that has one
			for k := 0; k < len(v.subnets) && len(out) < n; k++ {
				i := (v.next + k) % len(v.subnets)
				if len(v.subnets[i]) > 0 {
					out = append(out, v.subnets[i][0])
					v.subnets[i] = v.subnets[i][1:]
					v.next, took = (i+1)%len(v.subnets), true
					break
				}
			}
		}
		if !took {
			return out
		}
	}
	return out
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// fileNames are the live file names: the NIC name, or resourceGroup_name when two chosen
// NICs share a name (the manifest's source keeps the full ID).
func fileNames(nics []nicInfo) []string {
	count := map[string]int{}
	for _, n := range nics {
		count[strings.ToLower(n.Name)]++
	}
	out := make([]string, len(nics))
	for i, n := range nics {
		name := n.Name
		if count[strings.ToLower(n.Name)] > 1 {
			name = rgOf(n.ID) + "_" + n.Name
		}
		out[i] = unsafeName.ReplaceAllString(name, "_")
	}
	return out
}

func rgOf(id string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return "rg"
}

// normaliseRoutes checks the answer is {"value": [...]} and writes it as az prints it.
func normaliseRoutes(b []byte) ([]byte, int, error) {
	var a struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, 0, err
	}
	if a.Value == nil {
		return nil, 0, fmt.Errorf("no value array")
	}
	out, err := indent(map[string]any{"value": a.Value})
	return out, len(a.Value), err
}

// normaliseNSGs decodes the effective NSG answer with our own types: Azure returns tagMap
// as an object (tag → prefixes) where armnetwork declares a string and fails to decode it
// (spec collect.md §6; mql PR #7373). A tagMap that arrives as a JSON string holding an
// object is turned into the object; every other member is kept as it came.
func normaliseNSGs(b []byte) ([]byte, int, error) {
	var a struct {
		Value []map[string]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, 0, err
	}
	if a.Value == nil {
		return nil, 0, fmt.Errorf("no value array")
	}
	for i, e := range a.Value {
		for k, v := range e {
			if !strings.EqualFold(k, "tagMap") || len(v) == 0 || v[0] != '"' {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, 0, fmt.Errorf("$.value[%d].tagMap: unreadable string", i)
			}
			var obj map[string][]string
			if err := json.Unmarshal([]byte(s), &obj); err != nil {
				return nil, 0, fmt.Errorf("$.value[%d].tagMap: a string that is not a tag → prefixes object", i)
			}
			nb, _ := json.Marshal(obj)
			e[k] = nb
		}
	}
	out, err := indent(map[string]any{"value": a.Value})
	return out, len(a.Value), err
}

func indent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}
