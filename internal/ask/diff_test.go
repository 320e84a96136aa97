package ask

import (
	"context"
	"encoding/json"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/azure/convert"
	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/diff"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
	"github.com/vnetdoctor/vnetdoctor/internal/snapshottest"
)

// TestDiffFindings: closing the SSH rule that is open to the internet resolves its
// InternetExposedManagementPort finding and changes one resource at one path; nothing else is new.
func TestDiffFindings(t *testing.T) {
	a := diffEdited(t, func(name string, b []byte) []byte {
		if name != "nsgs.json" {
			return b
		}
		const open = `"description": "TEMP vendor access",`
		i := strings.Index(string(b), open)
		if i < 0 {
			t.Fatal("allow-ssh-any not found in nsgs.json")
		}
		j := i + strings.Index(string(b[i:]), `"access": "Allow"`)
		if j < i {
			t.Fatal("allow-ssh-any's access not found in nsgs.json")
		}
		return append(append(append([]byte{}, b[:j]...), `"access": "Deny"`...), b[j+len(`"access": "Allow"`):]...)
	})
	if len(a.Resources.Changed) != 1 || !strings.HasSuffix(a.Resources.Changed[0].ID, "/securityRules/allow-ssh-any") ||
		strings.Join(a.Resources.Changed[0].Fields, " ") != "$.properties.access" || len(a.Routes) != 0 {
		t.Errorf("resources %+v, routes %+v; want allow-ssh-any's access only", a.Resources, a.Routes)
	}
	resolved := false
	for _, f := range a.Findings.Resolved {
		resolved = resolved || f.Code == check.CodeInternetExposedManagementPort
	}
	if !resolved || len(a.Findings.New) != 0 {
		t.Errorf("findings new %v, resolved %v; want InternetExposedManagementPort resolved and nothing new", codes(a.Findings.New), codes(a.Findings.Resolved))
	}
}

// TestDiffFindingsLocal: a rule copied to the end of one NSG is a new ShadowedRule finding of that
// NSG, and only that, though diff runs shadowed-rule over the changed NSG alone (check.Narrowed):
// the findings diff equals that of every check run whole on both snapshots.
func TestDiffFindingsLocal(t *testing.T) {
	for _, nsg := range []string{"nsg-app-app", "nsg-hub-dns"} {
		a := diffEdited(t, func(name string, b []byte) []byte {
			if name != "nsgs.json" {
				return b
			}
			var doc struct {
				Value []map[string]any `json:"value"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			for _, g := range doc.Value {
				if g["name"] != nsg {
					continue
				}
				props := g["properties"].(map[string]any)
				rules := props["securityRules"].([]any)
				dup := maps.Clone(rules[0].(map[string]any))
				dup["name"] = "copy-of-first"
				dup["id"] = g["id"].(string) + "/securityRules/copy-of-first"
				rp := maps.Clone(dup["properties"].(map[string]any))
				rp["priority"] = 4000
				dup["properties"] = rp
				props["securityRules"] = append(rules, dup)
			}
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			return out
		})
		var got []string
		for _, f := range a.Findings.New {
			got = append(got, string(f.Code)+" "+f.Evidence["nsg"].(string)+" "+f.Evidence["rule"].(string))
		}
		if want := "ShadowedRule " + nsg + " securityRules/copy-of-first"; len(got) != 1 || got[0] != want || len(a.Findings.Resolved) != 0 {
			t.Errorf("%s: findings new %v, resolved %v; want %q only", nsg, got, codes(a.Findings.Resolved), want)
		}
	}
}

// diffEdited diffs the bundled example against a copy whose files edit rewrites (diffCopies).
func diffEdited(t *testing.T, edit func(name string, b []byte) []byte) *DiffAnswer {
	t.Helper()
	return diffCopies(t, func(_ string, b []byte) []byte { return b }, edit)
}

// diffCopies diffs two copies of the bundled example, whose files before and after rewrite, and
// checks that its findings diff equals that of every check run whole on both snapshots.
func diffCopies(t *testing.T, before, after func(name string, b []byte) []byte) *DiffAnswer {
	t.Helper()
	return diffCopiesOf(t, filepath.Join("..", "..", "examples", "hub-spoke"), before, after)
}

// diffCopiesOf is diffCopies of two copies of the snapshot directory base.
func diffCopiesOf(t *testing.T, base string, before, after func(name string, b []byte) []byte) *DiffAnswer {
	t.Helper()
	ctx := context.Background()
	sb, sa, a := diffSnapshots(t, base, before, after)
	fb, err := Check(ctx, sb, CheckQuery{}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	fa, err := Check(ctx, sa, CheckQuery{}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	prints := func(fs []check.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Fingerprint)
		}
		return out
	}
	if got, want := prints(a.Findings.New), prints(minusFindings(fa, fb)); !slices.Equal(got, want) {
		t.Errorf("new findings %v; every check whole on both sides: %v", got, want)
	}
	if got, want := prints(a.Findings.Resolved), prints(minusFindings(fb, fa)); !slices.Equal(got, want) {
		t.Errorf("resolved findings %v; every check whole on both sides: %v", got, want)
	}
	return a
}

// diffSnapshots is diff of copies of base, each rewritten by its edit: the snapshots and the answer.
func diffSnapshots(t *testing.T, base string, before, after func(string, []byte) []byte) (*Snapshot, *Snapshot, *DiffAnswer) {
	t.Helper()
	ctx := context.Background()
	var snaps [2]*Snapshot
	var docs [2]diff.Docs
	for i, edit := range []func(string, []byte) []byte{before, after} {
		dir := snapshottest.Rewrite(t, base, edit)
		s, err := Load(ctx, []string{dir}, convert.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if docs[i], err = diff.ReadDocs([]string{dir}, nil); err != nil {
			t.Fatal(err)
		}
		snaps[i] = s
	}
	a, err := Diff(ctx, snaps[0], snaps[1], docs[0], docs[1], DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return snaps[0], snaps[1], a
}

// exampleCopy writes the bundled example's files to a new directory, each rewritten by edit.
func exampleCopy(t *testing.T, edit func(name string, b []byte) []byte) string {
	t.Helper()
	return snapshottest.Rewrite(t, filepath.Join("..", "..", "examples", "hub-spoke"), edit)
}

// TestDiffFindingsRuleOrder: swapping two rules of a firewall policy's collection changes which
// one shadows the other: the findings diff equals whole runs (a firewall collection's shadowing
// is not narrowed to changed resources; found by review), and the swap is a change of the rule
// collection group's order, whose flows reach recomputes (the first match wins, spec §3.2).
func TestDiffFindingsRuleOrder(t *testing.T) {
	withCopy := func(first bool) func(string, []byte) []byte {
		return func(name string, b []byte) []byte {
			if name != "firewall.json" {
				return b
			}
			var doc map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, x := range doc["value"].([]any) {
				g := x.(map[string]any)
				if g["name"] != "rcg-network" {
					continue
				}
				for _, rc := range g["properties"].(map[string]any)["ruleCollections"].([]any) {
					rcm := rc.(map[string]any)
					if rcm["name"] != "net-deny-legacy" {
						continue
					}
					rules := rcm["rules"].([]any)
					orig := rules[0].(map[string]any)
					narrow := maps.Clone(orig)
					narrow["name"], narrow["sourceAddresses"] = "deny-telnet-10", []any{"10.0.0.0/8"}
					rcm["rules"], found = []any{orig, narrow}, true
					if first {
						rcm["rules"] = []any{narrow, orig}
					}
				}
			}
			if !found {
				t.Fatal("collection net-deny-legacy not found in firewall.json")
			}
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	a := diffCopies(t, withCopy(false), withCopy(true))
	if len(a.Resources.Changed) != 1 || !slices.ContainsFunc(a.Resources.Changed[0].Fields, func(f string) bool { return strings.HasSuffix(f, ".rules (order)") }) {
		t.Errorf("changed resources %+v; want the rule collection group's rules reordered", a.Resources.Changed)
	}
	// The swapped rules deny 10.0.0.0/8: recomputing them is over diff's budget, which the answer
	// says rather than report nothing changed.
	if st := a.ReachStats; st.Scope != "firewall" && (st.Scope != "skipped" || !strings.HasPrefix(st.Reason, "firewall rules changed")) {
		t.Errorf("reachability scope %q (%s); want the firewall's rules recomputed, or skipped as too many", st.Scope, st.Reason)
	}
	if len(a.Findings.Resolved) != 1 || !strings.Contains(a.Findings.Resolved[0].Title, "deny-telnet-10 is shadowed by deny-telnet") {
		t.Errorf("resolved findings %v; want deny-telnet-10 no longer shadowed", a.Findings.Resolved)
	}
}

func codes(fs []check.Finding) []check.Code {
	var out []check.Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

// TestSameRule: a rule is the same when only letter case differs, and changed when any field a
// filter reads differs.
func TestSameRule(t *testing.T) {
	asg := func(id string) *model.ASG { return &model.ASG{ID: model.ID(id)} }
	base := func() *model.SecurityRule {
		return &model.SecurityRule{Name: "r", Priority: 100, Direction: model.Inbound, Access: model.Allow, Protocol: model.ProtoTCP,
			Sources: []string{"VirtualNetwork"}, Destinations: []string{"10.0.0.0/24"}, SourceASGs: []*model.ASG{asg("/a/web")},
			SourcePorts: []model.PortRange{model.AllPorts}, DestPorts: []model.PortRange{{Lo: 443, Hi: 443}}}
	}
	for _, c := range []struct {
		name string
		edit func(*model.SecurityRule)
		same bool
	}{
		{"case of a tag and an ASG", func(r *model.SecurityRule) { r.Sources[0], r.SourceASGs[0] = "virtualnetwork", asg("/A/WEB") }, true},
		{"name only", func(r *model.SecurityRule) { r.Name = "other" }, true},
		{"priority", func(r *model.SecurityRule) { r.Priority = 101 }, false},
		{"direction", func(r *model.SecurityRule) { r.Direction = model.Outbound }, false},
		{"access", func(r *model.SecurityRule) { r.Access = model.Deny }, false},
		{"protocol", func(r *model.SecurityRule) { r.Protocol = model.ProtoUDP }, false},
		{"source", func(r *model.SecurityRule) { r.Sources = []string{"Internet"} }, false},
		{"destination", func(r *model.SecurityRule) { r.Destinations = append(r.Destinations, "10.0.1.0/24") }, false},
		{"ASG moved to the destination", func(r *model.SecurityRule) { r.SourceASGs, r.DestASGs = nil, r.SourceASGs }, false},
		{"ASG missing", func(r *model.SecurityRule) { r.SourceASGs[0] = nil }, false},
		{"source ports", func(r *model.SecurityRule) { r.SourcePorts = []model.PortRange{{Lo: 1, Hi: 1}} }, false},
		{"destination ports", func(r *model.SecurityRule) { r.DestPorts = []model.PortRange{{Lo: 443, Hi: 444}} }, false},
	} {
		r := base()
		c.edit(r)
		if got := sameRule(base(), r); got != c.same {
			t.Errorf("%s: sameRule = %v, want %v", c.name, got, c.same)
		}
	}
}

// TestSameNIC: a NIC is the same when only letter case differs, and changed when any field
// that decides its flows differs; without filters, when one other than its NSG and ASGs does
// (an NSG the snapshot lacks counts either way); pairNICs matches IDs case aside.
func TestSameNIC(t *testing.T) {
	base := func() *model.NIC {
		sub := &model.Subnet{ID: "/s/Sub1"}
		return &model.NIC{ID: "/n/Nic1", VMName: "vm1", NSG: &model.NSG{ID: "/g/Nsg1"}, IPConfigs: []*model.IPConfig{{
			PrivateIP: netip.MustParseAddr("10.0.0.4"), Primary: true, Subnet: sub,
			PublicIP: &model.PublicIP{Address: netip.MustParseAddr("20.0.0.1")}, ASGs: []*model.ASG{{ID: "/a/Web"}}}}}
	}
	for _, c := range []struct {
		name string
		edit func(*model.NIC)
		same bool
		// filtersOnly: sameNIC without filters holds
		filtersOnly bool
	}{
		{"case of IDs and the VM name", func(n *model.NIC) {
			n.VMName, n.NSG = "VM1", &model.NSG{ID: "/G/NSG1"}
			n.IPConfigs[0].Subnet, n.IPConfigs[0].ASGs = &model.Subnet{ID: "/S/SUB1"}, []*model.ASG{{ID: "/A/WEB"}}
		}, true, true},
		{"IP forwarding", func(n *model.NIC) { n.IPForwarding = true }, false, false},
		{"disableSnatOnPL", func(n *model.NIC) { n.Tags = map[string]string{"disableSnatOnPL": "true"} }, false, false},
		{"VM", func(n *model.NIC) { n.VMName = "vm2" }, false, false},
		{"NSG removed", func(n *model.NIC) { n.NSG = nil }, false, true},
		{"NSG", func(n *model.NIC) { n.NSG = &model.NSG{ID: "/g/nsg2"} }, false, true},
		{"NSG missing from the snapshot", func(n *model.NIC) { n.NSG, n.MissingNSG = nil, "/g/nsg1" }, false, false},
		{"private IP", func(n *model.NIC) { n.IPConfigs[0].PrivateIP = netip.MustParseAddr("10.0.0.5") }, false, false},
		{"primary", func(n *model.NIC) { n.IPConfigs[0].Primary = false }, false, false},
		{"subnet", func(n *model.NIC) { n.IPConfigs[0].Subnet = &model.Subnet{ID: "/s/sub2"} }, false, false},
		{"public IP removed", func(n *model.NIC) { n.IPConfigs[0].PublicIP = nil }, false, false},
		{"public IP address", func(n *model.NIC) {
			n.IPConfigs[0].PublicIP = &model.PublicIP{Address: netip.MustParseAddr("20.0.0.2")}
		}, false, false},
		{"backend pool", func(n *model.NIC) { n.IPConfigs[0].BackendPools = []*model.BackendPool{{}} }, false, false},
		{"gateway LB", func(n *model.NIC) { n.IPConfigs[0].GatewayLB = &model.Frontend{} }, false, false},
		{"ASG", func(n *model.NIC) { n.IPConfigs[0].ASGs = nil }, false, true},
		{"ip configuration added", func(n *model.NIC) { n.IPConfigs = append(n.IPConfigs, &model.IPConfig{}) }, false, false},
	} {
		n := base()
		c.edit(n)
		if got := sameNIC(base(), n, true); got != c.same {
			t.Errorf("%s: sameNIC = %v, want %v", c.name, got, c.same)
		}
		if got := sameNIC(base(), n, false); got != c.filtersOnly {
			t.Errorf("%s: sameNIC without filters = %v, want %v", c.name, got, c.filtersOnly)
		}
	}
	b := []*model.NIC{{ID: "/n/A"}, {ID: "/n/B"}, {ID: "/n/C"}}
	a := []*model.NIC{{ID: "/N/b"}, {ID: "/n/A"}, {ID: "/n/D"}}
	pair, left := pairNICs(b, a)
	if pair[0] != b[1] || pair[1] != b[0] || pair[2] != nil || len(left) != 1 || left[0] != b[2] {
		t.Errorf("pairNICs: pairs %v, left %v; want B, A, none and C left", pair, left)
	}
}
