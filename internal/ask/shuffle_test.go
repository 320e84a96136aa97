package ask_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/ask"
	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
	"github.com/vnetdoctor/vnetdoctor/internal/synth"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestShuffledEstatesGiveTheSameAnswers is issue 10's adversarial-estate test: the bundled example
// and a vnetgen estate, rewritten with their resources shuffled and dealt into differently named
// files, and with the child lists Azure gives no order (rules, routes, subnets, ip configurations,
// peerings, load balancer rules and pools) shuffled inside each resource, give byte-identical JSON
// for summary, routes and rules of every NIC, a set of traces, and check. Only summary's
// `snapshot` (the hash and names of the files read) may differ: it identifies the files.
func TestShuffledEstatesGiveTheSameAnswers(t *testing.T) {
	example := readDir(t, filepath.Join("..", "..", "examples", "hub-spoke"))
	gen := synth.Generate(synth.Config{VNets: 12, NICs: 120, NSGs: 10, RulesPerNSG: 30, RouteTables: 6,
		RoutesPerTable: 12, PrivateEndpoints: 10, Seed: 7})
	cases := []struct {
		name   string
		files  map[string][]byte
		traces []trace.Query
	}{
		{"hub-spoke", example, exampleTraces},
		{"vnetgen", gen, nil},
	}
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := answers(t, load(t, c.files), c.traces)
			for _, seed := range seeds {
				got := answers(t, load(t, shuffleEstate(t, c.files, seed)), c.traces)
				diffAnswers(t, fmt.Sprintf("seed %d", seed), want, got)
			}
		})
	}
}

// exampleTraces are the seed cases of examples/hub-spoke/README.md.
var exampleTraces = []trace.Query{
	{From: "vm-app1", To: "pe-sql-data", DestinationPort: 1433},
	{From: "afw-hub", To: "vm-dns1", Protocol: model.ProtoUDP, DestinationPort: 53},
	{From: "vm-merger1", To: "vm-dns1", Protocol: model.ProtoUDP, DestinationPort: 53},
	{From: "internet:198.51.100.7", To: "pip-lb-web", DestinationPort: 443},
	{From: "vm-app1", To: "172.16.10.5", DestinationPort: 443},
	{From: "vm-sandbox1", To: "vm-dns1", Protocol: model.ProtoUDP, DestinationPort: 53},
	{From: "internet:198.51.100.7", To: "pip-vm-jump", DestinationPort: 22},
	{From: "internet:198.51.100.7", To: "pip-vm-jump", DestinationPort: 3389},
	{From: "vm-batch1", To: "internet:1.1.1.1", DestinationPort: 443},
	{From: "internet:198.51.100.7", To: "pip-afw-hub", DestinationPort: 443},
	{From: "vm-app1", To: "vm-data1", DestinationPort: 443},
	{From: "vm-app1", To: "internet:20.60.26.10", DestinationPort: 443, FQDN: "stdataprod001.blob.core.windows.net"},
	{From: "192.168.10.5", To: "vm-app1", DestinationPort: 443},
	{From: "vm-data1", To: "pe-starchive-blob", DestinationPort: 443},
	{From: "vm-webpub1", To: "internet:1.1.1.1", DestinationPort: 443},
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".json") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = b
		}
	}
	return out
}

// load writes files to a fresh directory and loads it as the CLI does.
func load(t *testing.T, files map[string][]byte) *ask.Snapshot {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := ask.Load(context.Background(), []string{dir}, convert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answers asks every question and returns the JSON of each answer by question.
func answers(t *testing.T, s *ask.Snapshot, traces []trace.Query) map[string][]byte {
	t.Helper()
	ctx, opts := context.Background(), ask.DefaultOptions()
	out := map[string][]byte{}
	put := func(k string, v any) {
		var b bytes.Buffer
		if err := render.JSON(&b, v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k] = b.Bytes()
	}
	sum, err := ask.Summary(ctx, s, ask.SummaryQuery{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	rs := render.NewSummary(sum.Network, sum.PlaneWarnings)
	rs.Snapshot = nil // names the files read, which the shuffle renames
	put("summary", rs)
	nics := s.Plane.Net.NICs
	for _, nic := range nics {
		id := string(nic.ID)
		if a, err := ask.Routes(ctx, s, ask.RoutesQuery{NIC: id}, opts); err == nil {
			list := render.Routes(a.Routes, a.DisableBGPPropagation)
			if fibRowOrderPending {
				put("routes(rows) "+id, sortedRows(t, list))
			} else {
				put("routes "+id, list)
			}
		} else {
			put("routes "+id, err.Error())
		}
		if a, err := ask.Rules(ctx, s, ask.RulesQuery{NIC: id}, opts); err == nil {
			put("rules "+id, a.NSGs)
		} else {
			put("rules "+id, err.Error())
		}
	}
	if traces == nil {
		traces = nicTraces(nics)
	}
	for _, q := range traces {
		k := fmt.Sprintf("trace %s -> %s %v/%d", q.From, q.To, q.Protocol, q.DestinationPort)
		if a, err := ask.Trace(ctx, s, q, opts); err == nil {
			put(k, a)
		} else {
			put(k, err.Error())
		}
	}
	fs, err := ask.Check(ctx, s, ask.CheckQuery{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	put("check", map[string]any{"findings": fs})
	return out
}

// fibRowOrderPending: the UDR and InterfaceEndpoint rows of `routes` still follow the snapshot's
// order (route table routes and Network.PrivateEndpoints as read), which internal/fib is to fix
// (issue 10, reported to the lead with this test). Until then routes are compared row for row as
// sets — any other difference still fails. Set it to false once fib orders its rows.
const fibRowOrderPending = false

// sortedRows is a route list's JSON rows in sorted order.
func sortedRows(t *testing.T, list any) []string {
	t.Helper()
	var v struct{ Value []json.RawMessage }
	if err := json.Unmarshal(mustJSON(t, list), &v); err != nil {
		t.Fatal(err)
	}
	rows := make([]string, len(v.Value))
	for i, r := range v.Value {
		rows[i] = string(r)
	}
	slices.Sort(rows)
	return rows
}

// nicTraces picks NIC pairs by position in the model's NIC list (ordered by ID), so both estates
// trace the same pairs: each NIC to one a fixed stride away, on TCP 443, TCP 22 and UDP 53.
func nicTraces(nics []*model.NIC) []trace.Query {
	var qs []trace.Query
	ports := []struct {
		p    model.Protocol
		port uint16
	}{{model.ProtoTCP, 443}, {model.ProtoTCP, 22}, {model.ProtoUDP, 53}}
	for i := 0; i < len(nics); i += 3 {
		j := (i*7 + 5) % len(nics)
		pp := ports[i%len(ports)]
		qs = append(qs, trace.Query{From: string(nics[i].ID), To: string(nics[j].ID), Protocol: pp.p, DestinationPort: pp.port})
		qs = append(qs, trace.Query{From: string(nics[i].ID), To: "internet:1.1.1.1", DestinationPort: 443})
	}
	return qs
}

func diffAnswers(t *testing.T, what string, want, got map[string][]byte) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var bad []string
	shown := map[string]bool{} // the first difference of each question is shown in full
	for _, k := range keys {
		if bytes.Equal(want[k], got[k]) {
			continue
		}
		bad = append(bad, k)
		if q, _, _ := strings.Cut(k, " "); !shown[q] {
			shown[q] = true
			t.Errorf("%s: %s differs from the unshuffled estate's:\n%s", what, k, firstDiff(want[k], got[k]))
		}
	}
	if len(bad) > len(shown) {
		t.Errorf("%s: %d answers differ in all, among them: %s", what, len(bad), strings.Join(bad[:min(len(bad), 6)], "; "))
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d answers, want %d", what, len(got), len(want))
	}
}

// firstDiff shows the first differing lines of two JSON documents with a little context.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		if i < len(al) && i < len(bl) && al[i] == bl[i] {
			continue
		}
		lo := max(0, i-3)
		return fmt.Sprintf("unshuffled:\n%s\nshuffled:\n%s", clip(al, lo, i+4), clip(bl, lo, i+4))
	}
	return "(same lines)"
}

func clip(ls []string, lo, hi int) string {
	return strings.Join(ls[min(lo, len(ls)):min(hi, len(ls))], "\n")
}

// shuffledChildren are the lists Azure keeps in no meaningful order: each is shuffled wherever it
// appears (inline in its parent's properties, or flattened by az). Not shuffled: lists whose order
// Azure gives meaning (DNS servers, a collection's firewall rules) and the address and port lists
// inside one security rule, which `rules` shows as configured.
var shuffledChildren = map[string]bool{
	"securityRules": true, "routes": true, "subnets": true, "ipConfigurations": true,
	"virtualNetworkPeerings": true, "loadBalancingRules": true, "backendAddressPools": true,
	"inboundNatRules": true, "values": true, "addressPrefixes": true, "frontendIPConfigurations": true,
	"ruleCollections": true,
}

// shuffleEstate deals every resource of files, shuffled with seed, into a different number of
// files with different names, each an ARM list; a service tags file stays a file of its own (its
// entries shuffled). Child lists are shuffled inside every resource.
func shuffleEstate(t *testing.T, files map[string][]byte, seed uint64) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed*977))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var resources []any
	out := map[string][]byte{}
	for _, n := range names {
		d := json.NewDecoder(bytes.NewReader(files[n]))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		shuffleChildren(rng, v)
		switch x := v.(type) {
		case map[string]any:
			if list, ok := x["value"].([]any); ok {
				resources = append(resources, list...)
				continue
			}
			if _, ok := x["values"]; ok { // service tags
				out[fmt.Sprintf("tags-%d.json", rng.IntN(1000))] = mustJSON(t, x)
				continue
			}
			resources = append(resources, x)
		case []any:
			resources = append(resources, x...)
		}
	}
	resources = append(resources, extractChildren(rng, resources)...)
	rng.Shuffle(len(resources), func(i, j int) { resources[i], resources[j] = resources[j], resources[i] })
	nfiles := 1 + rng.IntN(len(names)+3)
	parts := make([][]any, nfiles)
	for _, r := range resources {
		k := rng.IntN(nfiles)
		parts[k] = append(parts[k], r)
	}
	for i, p := range parts {
		if len(p) == 0 {
			continue
		}
		out[fmt.Sprintf("%c%d-%d.json", 'a'+rune(rng.IntN(26)), i, rng.IntN(1000))] = mustJSON(t, map[string]any{"value": p})
	}
	return out
}

// extractable are the inline child lists whose entries Azure also serves as resources of their own
// (cli.md: children inline or as separate objects).
var extractable = []string{"subnets", "securityRules", "routes", "virtualNetworkPeerings"}

// extractChildren moves about half of the inline children of resources out of their parents and
// returns them as separate resources (a child needs its id and type for that).
func extractChildren(rng *rand.Rand, resources []any) []any {
	var out []any
	for _, r := range resources {
		props, _ := r.(map[string]any)["properties"].(map[string]any)
		for _, k := range extractable {
			list, ok := props[k].([]any)
			if !ok {
				continue
			}
			kept := list[:0:0]
			for _, c := range list {
				m, _ := c.(map[string]any)
				if m != nil && m["id"] != nil && m["type"] != nil && rng.IntN(2) == 0 {
					out = append(out, m)
					continue
				}
				kept = append(kept, c)
			}
			props[k] = kept
		}
	}
	return out
}

// shuffleChildren shuffles, in place, every list named in shuffledChildren under v.
func shuffleChildren(rng *rand.Rand, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the rng's draws must not follow map order
		for _, k := range keys {
			if l, ok := x[k].([]any); ok && shuffledChildren[k] {
				rng.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
			}
			shuffleChildren(rng, x[k])
		}
	case []any:
		for _, e := range x {
			shuffleChildren(rng, e)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
