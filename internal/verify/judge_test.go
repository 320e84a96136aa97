package verify

import (
	"testing"

	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// TestJudge: one breaking class decides, Unknown only when nothing breaks, through checks the
// path of every packet that gets through (Intermittent included).
func TestJudge(t *testing.T) {
	fw := func(id string) bool { return id == "fw" }
	cls := func(vs ...trace.Verdict) []reach.Class {
		var out []reach.Class
		for _, v := range vs {
			out = append(out, reach.Class{Verdict: v})
		}
		return out
	}
	R, U, I, X := trace.Reachable, trace.Unreachable, trace.Intermittent, trace.UnknownV
	for _, c := range []struct {
		expect  Expectation
		classes []reach.Class
		want    Outcome
		counter int // index of the counterexample, -1 for none
	}{
		{Reachable, cls(R, R), Holds, -1},
		{Reachable, cls(R, X, U), Violated, 2},
		{Reachable, cls(R, X), Unknown, 1},
		{Reachable, cls(I), Violated, 0},
		{Unreachable, cls(U, U), Holds, -1},
		{Unreachable, cls(U, I), Violated, 1},
		{Unreachable, nil, Unknown, -1},
		{Through, []reach.Class{{Verdict: R, Via: []string{"a", "fw", "b"}}, {Verdict: U}}, Holds, -1},
		{Through, []reach.Class{{Verdict: R, Via: []string{"a", "fw"}}, {Verdict: I, Via: []string{"a", "b"}}}, Violated, 1},
		{Through, []reach.Class{{Verdict: X, Via: []string{"a"}}}, Unknown, 0},
		{Through, []reach.Class{{Verdict: X, Via: []string{"fw"}}}, Holds, -1},
	} {
		j := Judge(Intent{Expect: c.expect, Through: "fw"}, c.classes, fw)
		counter := -1
		for i := range c.classes {
			if j.Counter == &c.classes[i] {
				counter = i
			}
		}
		if j.Outcome != c.want || counter != c.counter {
			t.Errorf("expect %v over %+v: %v, counter %d; want %v, %d", c.expect, c.classes, j.Outcome, counter, c.want, c.counter)
		}
	}
}
