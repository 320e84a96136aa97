package firewall

import (
	"strings"
	"testing"
)

// A parent policy's DNAT rules are not inherited (spec §3.2 [FWM]): the user is told, once as a
// compile warning and as an assumption on a flow to the firewall's own address that no child
// rule translates.
func TestParentNATCollectionsAreNotInheritedAndSaySo(t *testing.T) {
	e, warns := Compile(testFirewall(orderPolicy()), nil)
	var got []string
	for _, w := range warns {
		if w.Code == "NotInherited" {
			got = append(got, w.Message)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "base-nat") || !strings.Contains(got[0], "[FWM]") {
		t.Fatalf("NotInherited warnings = %q, want one naming base-nat and citing [FWM]", got)
	}
	tests := []struct {
		name string
		p    Packet
		note bool
	}{
		{"parent's DNAT port to the firewall public IP", tcp("1.2.3.4", "20.0.0.1", 2222, ""), true},
		{"to the frontend private IP", tcp("10.1.0.5", "10.0.0.4", 2222, ""), true},
		{"child's own DNAT rule", tcp("1.2.3.4", "20.0.0.1", 22, ""), false},
		{"ordinary denied flow", tcp("10.1.0.5", "10.7.0.1", 25, ""), false},
	}
	for _, tt := range tests {
		r := e.Evaluate(tt.p)
		has := false
		for _, a := range r.Assumptions {
			has = has || strings.Contains(a, "not inherited")
		}
		if has != tt.note {
			t.Errorf("%s: assumption present = %v, want %v (%q)", tt.name, has, tt.note, r.Assumptions)
		}
	}
	if _, warns := Compile(testFirewall(policy("lone", nil, group("g", 1, natColl("n", 1, natRule("x", "*", "20.0.0.1", 22, "10.1.0.4", 22))))), nil); len(warns) != 0 {
		t.Errorf("a policy without parent warns: %v", warns)
	}
}
