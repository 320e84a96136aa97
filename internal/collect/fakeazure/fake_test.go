package fakeazure

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/synth"
)

func post(t *testing.T, f *Server, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.URL+"/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, resp.Header, m
}

// TestFakeResourceGraph: the fake answers like Resource Graph: rows from the right table with
// lower-case types and every projected column, pages joined by a skip token that belongs to
// its query, quota headers, 400 for KQL it does not understand, 401 without the token.
func TestFakeResourceGraph(t *testing.T) {
	f, err := New(synth.HubSpoke(), Script{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	subs, _ := json.Marshal(f.Subscriptions())
	q := func(query, opts string) string {
		return `{"subscriptions":` + string(subs) + `,"query":"` + query + `","options":{` + opts + `}}`
	}
	nics := "resources | where type in~ ('microsoft.network/networkinterfaces') | project id, type, sku | order by id asc"
	code, h, m := post(t, f, q(nics, `"$top":50`))
	if code != 200 || m["count"].(float64) != 50 || m["totalRecords"].(float64) != 63 || m["$skipToken"] == nil {
		t.Fatalf("page 1: %d %v %v %v", code, m["count"], m["totalRecords"], m["$skipToken"])
	}
	row := m["data"].([]any)[0].(map[string]any)
	if len(row) != 3 || row["type"] != "microsoft.network/networkinterfaces" || row["sku"] != nil {
		t.Errorf("row = %v; want id, type (lower case), sku null", row)
	}
	if h.Get("x-ms-user-quota-remaining") == "" || h.Get("x-ms-user-quota-resets-after") == "" {
		t.Errorf("no quota headers: %v", h)
	}
	tok := m["$skipToken"].(string)
	if code, _, m := post(t, f, q(nics, `"$top":50,"$skipToken":"`+tok+`"`)); code != 200 || m["count"].(float64) != 13 || m["$skipToken"] != nil {
		t.Errorf("page 2: %d %v", code, m)
	}
	vnets := "resources | where type =~ 'microsoft.network/virtualnetworks'"
	if code, _, _ := post(t, f, q(vnets, `"$skipToken":"`+tok+`"`)); code != 400 {
		t.Errorf("a skip token of another query: %d, want 400", code)
	}
	if code, _, m := post(t, f, q("resources | summarize count() by type", "")); code != 400 || !strings.Contains(m["error"].(map[string]any)["message"].(string), "summarize") {
		t.Errorf("unsupported KQL: %d %v", code, m)
	}
	rcg := "networkresources | where type in~ ('microsoft.network/firewallpolicies/rulecollectiongroups')"
	if _, _, m := post(t, f, q(rcg, "")); m["count"].(float64) != 3 {
		t.Errorf("rule collection groups in networkresources: %v, want 3", m["count"])
	}
	if _, _, m := post(t, f, q("resources | where type in~ ('microsoft.network/firewallpolicies/rulecollectiongroups')", "")); m["count"].(float64) != 0 {
		t.Errorf("rule collection groups in resources: %v, want 0 (Resource Graph keeps them in networkresources)", m["count"])
	}
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/subscriptions?api-version=2022-12-01", nil)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 401 {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
}

// TestFakePayloadCap: an answer over the cap is ResponsePayloadTooLarge (413).
func TestFakePayloadCap(t *testing.T) {
	f, _ := New(synth.HubSpoke(), Script{MaxPayload: 4096})
	defer f.Close()
	code, _, m := post(t, f, `{"subscriptions":["00000000-0000-0000-0000-000000000001"],"query":"resources","options":{}}`)
	if code != 413 || m["error"].(map[string]any)["code"] != "ResponsePayloadTooLarge" {
		t.Errorf("%d %v", code, m)
	}
	if !bytes.Contains(nsgWithTagMap(), []byte(`"tagMap":{"Internet"`)) {
		t.Errorf("effective NSG answer without a tagMap object")
	}
}
