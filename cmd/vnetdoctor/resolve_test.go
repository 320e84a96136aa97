package main

import (
	"encoding/json"
	"errors"
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
