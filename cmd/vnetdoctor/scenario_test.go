package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// routeRow holds the fields of `az network nic show-effective-route-table` that cli.md fixes.
type routeRow struct {
	Source           string   `json:"source"`
	State            string   `json:"state"`
	AddressPrefix    []string `json:"addressPrefix"`
	NextHopType      string   `json:"nextHopType"`
	NextHopIPAddress []string `json:"nextHopIpAddress"`
}

// TestScenarioRoutes compares `routes -o json` with the hand-derived tables in
// testdata/scenarios/<name>/expected/routes-<nic>.json, route for route and in order.
func TestScenarioRoutes(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/scenarios/*/expected/routes-*.json")
	if len(files) == 0 {
		t.Fatal("no expected route tables")
	}
	for _, f := range files {
		dir := filepath.Dir(filepath.Dir(f))
		nic := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "routes-"), ".json")
		t.Run(filepath.Base(dir)+"/"+nic, func(t *testing.T) {
			var want, got struct{ Value []routeRow }
			b, err := os.ReadFile(f)
			if err == nil {
				err = json.Unmarshal(b, &want)
			}
			if err != nil {
				t.Fatal(err)
			}
			code, out, stderr := vnetdoctor(t, "", "routes", "-s", filepath.Join(dir, "snapshot"), "--nic", nic, "-o", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.Value, got.Value); d != "" {
				t.Errorf("routes of %s (-want +got):\n%s", nic, d)
			}
		})
	}
}

// TestInputShapesAgree runs the same questions on the hub-nva estate in ARM, az CLI and
// Resource Graph shapes (cli.md "Snapshot input"): every answer must be the same, IDs compared
// case-insensitively (Resource Graph lower-cases some).
func TestInputShapesAgree(t *testing.T) {
	const base = "../../testdata/scenarios/"
	var q struct {
		Cases []struct {
			Name  string
			Query struct {
				From, To, Protocol string
				DestinationPort    int
				SourcePort         int
			}
		}
	}
	b, err := os.ReadFile(base + "hub-nva/queries.json")
	if err == nil {
		err = json.Unmarshal(b, &q)
	}
	if err != nil {
		t.Fatal(err)
	}
	var questions [][]string
	for _, nic := range []string{"vm-app1", "vm-app2", "vm-se", "vm-db1", "nva-a", "nva-b", "vm-s3", "vm-s4"} {
		questions = append(questions, []string{"routes", "--nic", nic}, []string{"rules", "--nic", nic})
	}
	for _, c := range q.Cases {
		args := []string{"trace", "--from", c.Query.From, "--to", c.Query.To, "--proto", strings.ToLower(c.Query.Protocol),
			"--dport", itoa(c.Query.DestinationPort)}
		if c.Query.SourcePort != 0 {
			args = append(args, "--sport", itoa(c.Query.SourcePort))
		}
		questions = append(questions, args)
	}
	for _, args := range questions {
		_, want, _ := vnetdoctor(t, "", append(args, "-s", base+"hub-nva/snapshot", "-o", "json")...)
		for _, shape := range []string{"azcli", "graph"} {
			code, got, stderr := vnetdoctor(t, "", append(args, "-s", base+"hub-nva-shapes/"+shape, "-o", "json")...)
			if code != 0 {
				t.Errorf("%s %v: exit %d: %s", shape, args, code, stderr)
				continue
			}
			if d := cmp.Diff(strings.ToLower(want), strings.ToLower(got)); d != "" {
				t.Errorf("%s %v differs from the ARM answer (-arm +%s):\n%s", shape, args, shape, d)
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
