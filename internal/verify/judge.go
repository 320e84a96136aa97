package verify

import (
	"github.com/vnetdoctor/vnetdoctor/internal/reach"
	"github.com/vnetdoctor/vnetdoctor/internal/trace"
)

// Outcome is an intent's result.
type Outcome string

const (
	Holds    Outcome = "Holds"
	Violated Outcome = "Violated"
	// Unknown: no class breaks the intent, but some class's verdict is Unknown (it depends on
	// something the snapshot does not say, or on a value known only after a planned deployment),
	// or the intent names no packet at all.
	Unknown Outcome = "Unknown"
)

// Judgement is an intent's outcome over every class it names, with the class that decided it.
type Judgement struct {
	Outcome Outcome
	// Counter is the first class (in reach's order) that breaks the intent, or for Unknown the
	// first class left open; nil when the intent holds.
	Counter *reach.Class
	Classes int // classes judged
}

// Judge judges classes (every class of the packets in's from, to, protocols and ports name)
// against in. through reports whether a resource ID is the resource of through:<resource>;
// classes must then carry Via.
func Judge(in Intent, classes []reach.Class, through func(id string) bool) Judgement {
	j := Judgement{Outcome: Holds, Classes: len(classes)}
	for i := range classes {
		c := &classes[i]
		switch judgeClass(in, c, through) {
		case Violated:
			return Judgement{Outcome: Violated, Counter: c, Classes: len(classes)}
		case Unknown:
			if j.Outcome == Holds {
				j.Outcome, j.Counter = Unknown, c
			}
		}
	}
	if len(classes) == 0 {
		j.Outcome = Unknown
	}
	return j
}

// judgeClass is one class's verdict against the expectation. Intermittent (some firewall
// instance addresses get through) counts as getting through: it breaks unreachable and
// reachable alike.
func judgeClass(in Intent, c *reach.Class, through func(string) bool) Outcome {
	v := c.Verdict
	switch in.Expect {
	case Reachable:
		switch v {
		case trace.Reachable:
			return Holds
		case trace.UnknownV:
			return Unknown
		}
		return Violated
	case Unreachable:
		switch v {
		case trace.Unreachable:
			return Holds
		case trace.UnknownV:
			return Unknown
		}
		return Violated
	}
	crossed := false
	for _, id := range c.Via {
		crossed = crossed || through(id)
	}
	switch {
	case v == trace.Unreachable || crossed:
		return Holds
	case v == trace.UnknownV:
		return Unknown
	}
	return Violated
}
