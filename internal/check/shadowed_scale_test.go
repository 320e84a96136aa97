package check

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vnetdoctor/vnetdoctor/internal/model"
)

// hugeNSG is an NSG of n rules, far more than Azure allows (1,000): none covers another but for
// "shadowed" (second by priority), which "wide" covers, and "late" (the last), which "wide" covers
// too but lies beyond Azure's limit.
func hugeNSG(n int) []*model.SecurityRule {
	p443 := model.PortRange{Lo: 443, Hi: 443}
	rules := []*model.SecurityRule{
		rule("wide", 100, model.Allow, model.ProtoTCP, "192.168.1.0/24", "*", p443),
		rule("shadowed", 101, model.Allow, model.ProtoTCP, "192.168.1.5", "*", p443),
	}
	for i := len(rules); i < n-1; i++ {
		src := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		rules = append(rules, rule(fmt.Sprintf("r%d", i), 100+i, model.Allow, model.ProtoTCP, src, "*", p443))
	}
	return append(rules, rule("late", 100+n, model.Allow, model.ProtoTCP, "192.168.1.7", "*", p443))
}

// ShadowedRule compares each rule with every earlier one, so an NSG far above Azure's limit used to
// take minutes (30,000 rules: 50 s; 1,000,000: hours). It now looks at the first LimitList.RulesPerNSG
// rules by priority only — those Azure could hold; LimitExceeded reports the rest.
func TestShadowedRuleHugeNSG(t *testing.T) {
	e := newEstate()
	e.nsg("nsg-huge", hugeNSG(30000)...)
	p := e.plane()
	start := time.Now()
	got := briefs(runCheck(t, p, CodeShadowedRule), "rule", "shadowedBy")
	elapsed := time.Since(start)
	want := []brief{{"Info", map[string]any{"rule": "securityRules/shadowed", "shadowedBy": "securityRules/wide"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if elapsed > time.Second {
		t.Errorf("ShadowedRule on 30,000 rules took %v, want well under a second", elapsed)
	}
	t.Logf("ShadowedRule on 30,000 rules: %v", elapsed)
	if lim := only(runCheck(t, p, CodeLimitExceeded), CodeLimitExceeded); len(lim) != 1 || lim[0].Evidence["count"] != 30000 {
		t.Errorf("LimitExceeded = %+v, want one finding counting 30000 rules", lim)
	}
}

// BenchmarkShadowedRuleHugeNSG times ShadowedRule on an NSG of a million rules.
func BenchmarkShadowedRuleHugeNSG(b *testing.B) {
	e := newEstate()
	e.nsg("nsg-huge", hugeNSG(1_000_000)...)
	p := e.plane()
	for b.Loop() {
		runShadowedRule(&Pass{Plane: p, Options: DefaultOptions()})
	}
}
