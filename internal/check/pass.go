package check

import (
	"context"
	"sync"

	"github.com/vnetdoctor/vnetdoctor/internal/assume"
	"github.com/vnetdoctor/vnetdoctor/internal/dataplane"
)

// Pass is what one check reads while it runs, like golang.org/x/tools/go/analysis's Pass: the
// data plane of one snapshot and the settings of one question. A check reads it and never
// modifies it, so one Plane may serve many passes with different Options at once.
type Pass struct {
	// Context is the question's context. Long checks may return early when it is done; Run
	// also stops between checks.
	Context context.Context
	Plane   *dataplane.Plane
	Options Options

	// shared is what several checks of one run work out alike, once per run (RunChecks); nil
	// in a Pass built by hand, which works it out each time.
	shared *shared
}

// shared holds the answers two checks read: PrivateEndpointResolvesPublic and
// PrivateDnsZoneNotLinked both resolve every endpoint name from every DNS view (wrongAnswers).
type shared struct {
	wrongOnce  sync.Once
	wrong      []wrongAnswer
	wrongPanic any // a panic while working them out fails both checks, not only the first
}

// wrongAnswers is wrongAnswers(p), once per run.
func (p *Pass) wrongAnswers() []wrongAnswer {
	sh := p.shared
	if sh == nil {
		return wrongAnswers(p)
	}
	sh.wrongOnce.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				sh.wrongPanic = r
			}
		}()
		sh.wrong = wrongAnswers(p)
	})
	if sh.wrongPanic != nil {
		panic(sh.wrongPanic)
	}
	return sh.wrong
}

// Options are the settings of one check run: prices and limits. It is a plain value: copy it,
// change a field, pass it to Run. The zero value has zero prices and limits; start from
// DefaultOptions.
type Options struct {
	Prices PriceList
	Limits LimitList
	// Assume holds the choices for contested behaviours (--assume); the zero value is the
	// spec's defaults. Checks that depend on one follow it, so check and trace agree.
	Assume assume.Set
}

// DefaultOptions returns the settings the spec documents: spec §7 [PRICE] prices and spec §7
// [LIM, ANF], §3.4 [FWNAT], §4 [NAT] limits.
func DefaultOptions() Options {
	return Options{Prices: DefaultPrices(), Limits: DefaultLimits()}
}
