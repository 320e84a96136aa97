package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const dnsEstate = "../../internal/dns/testdata/estate.json"

func TestRunResolve(t *testing.T) {
	tests := []struct {
		args  []string
		first string // first line of text output, or the JSON verdict
	}{
		{[]string{"-s", dnsEstate, "--from", "vm-a", "stdata.blob.core.windows.net"},
			"Resolved: vm-a asks for stdata.blob.core.windows.net → 10.0.4.5"},
		// flags after the positional NAME
		{[]string{"-s", dnsEstate, "nope.contoso.internal", "--from", "vm-c"},
			"NXDOMAIN: vm-c asks for nope.contoso.internal → NXDOMAIN"},
		{[]string{"--from", "vm-b", "-o", "json", "-s", dnsEstate, "stdata.blob.core.windows.net"}, "Unknown"},
	}
	for _, tt := range tests {
		var out strings.Builder
		if err := runResolve(tt.args, nil, &out); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		got, _, _ := strings.Cut(out.String(), "\n")
		if strings.HasPrefix(out.String(), "{") {
			var a struct{ Verdict string }
			if err := json.Unmarshal([]byte(out.String()), &a); err != nil {
				t.Fatal(err)
			}
			got = a.Verdict
		}
		if got != tt.first {
			t.Errorf("%v: got %q, want %q", tt.args, got, tt.first)
		}
	}
}

func TestRunResolveUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-s", dnsEstate, "stdata.blob.core.windows.net"},          // no --from
		{"-s", dnsEstate, "--from", "vm-a"},                        // no NAME
		{"-s", dnsEstate, "--from", "vm-a", "a", "b"},              // two names
		{"--from", "vm-a", "x"},                                    // no snapshot
		{"-s", dnsEstate, "--from", "vm-a", "-o", "sarif", "x"},    // bad format
		{"-s", dnsEstate, "--from", "vm-a", "--bogus", "x"},        // unknown flag
		{"-s", dnsEstate, "--from", "vm-a", "not a name"},          // bad name
		{"-s", dnsEstate, "--from", "no-such-vm", "x.example.com"}, // unknown VM
	} {
		err := runResolve(args, nil, &strings.Builder{})
		var ue *usageError
		if err == nil || (!errors.As(err, &ue) && !isInputError(err)) {
			t.Errorf("%v: err = %v, want a usage or input error (exit 2)", args, err)
		}
	}
}

// TestResolveExample pins whole resolve answers on the bundled example (examples/hub-spoke/README.md):
// the hub's link gives the private answer, vnet-spoke-data's missing link to the SQL zone gives a
// public one, and the firewall DNS proxy whose upstreams are both blocked (seed case 1) times out
// naming the rule, with nobody credited for an answer.
func TestResolveExample(t *testing.T) {
	type answer struct {
		Verdict string
		Answer  struct {
			Status     string
			Addresses  []string
			CNAMEs     []string
			AnsweredBy string
			Source     string
			BlockedBy  []struct{ Step, ResourceID, Rule string }
		}
	}
	const denyDNS = "securityRules/deny-dns-from-anywhere-else"
	tests := []struct {
		from, name, verdict, status, answeredBy string
		addrs                                   []string
		blockedBy                               []string
	}{
		{"vm-dns1", "stdataprod001.blob.core.windows.net", "Resolved", "Resolved", "168.63.129.16", []string{"10.2.2.4"}, nil},
		{"vm-data1", "kv-hub-shared.vault.azure.net", "Resolved", "Resolved", "168.63.129.16", []string{"10.0.4.4"}, nil},
		{"vm-nva-legacy", "sql-data-prod.database.windows.net", "Resolved", "Resolved", "168.63.129.16", []string{"10.2.2.5"}, nil},
		{"vm-data1", "sql-data-prod.database.windows.net", "Public", "Public", "168.63.129.16", []string{}, nil},
		{"vm-app1", "stdataprod001.blob.core.windows.net", "Timeout", "Timeout", "", []string{}, []string{denyDNS, denyDNS}},
	}
	for _, tt := range tests {
		var out strings.Builder
		if err := runResolve([]string{"-s", example, "--from", tt.from, tt.name, "-o", "json"}, nil, &out); err != nil {
			t.Fatalf("%s %s: %v", tt.from, tt.name, err)
		}
		var a answer
		if err := json.Unmarshal([]byte(out.String()), &a); err != nil {
			t.Fatal(err)
		}
		var blocked []string
		for _, b := range a.Answer.BlockedBy {
			blocked = append(blocked, b.Rule)
		}
		got := fmt.Sprintf("%s %s %v by=%q blocked=%v", a.Verdict, a.Answer.Status, a.Answer.Addresses, a.Answer.AnsweredBy, blocked)
		want := fmt.Sprintf("%s %s %v by=%q blocked=%v", tt.verdict, tt.status, tt.addrs, tt.answeredBy, tt.blockedBy)
		if got != want {
			t.Errorf("resolve --from %s %s: got %s, want %s", tt.from, tt.name, got, want)
		}
	}
}
