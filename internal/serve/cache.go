package serve

import "sync"

// answerCache keeps encoded answers by their canonical query string, up to a byte budget; past
// it the oldest are dropped. The snapshot never changes, so an answer, once computed, is the
// answer: a question asked again (the UI redrawing a trace, a finding's proving trace, many
// clients asking the same) costs a map lookup instead of a trace and its encoding.
type answerCache struct {
	mu     sync.Mutex
	budget int // bytes of answers kept at most
	size   int
	m      map[string][]byte
	order  []string // oldest first
}

// maxTraceCacheBytes bounds the trace answers kept (a trace answer is 2-10 KiB).
const maxTraceCacheBytes = 32 << 20

func newAnswerCache(budget int) *answerCache {
	return &answerCache{budget: budget, m: map[string][]byte{}}
}

func (c *answerCache) get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	return b, ok
}

// put keeps a copy of b.
func (c *answerCache) put(k string, b []byte) {
	if len(b) > c.budget/16 {
		return // one huge answer would push out many small ones
	}
	kept := make([]byte, len(b)) // make and copy: no zeroing, no rounding up as append would
	copy(kept, b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	for c.size+len(kept) > c.budget && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(c.m[old])
		delete(c.m, old)
	}
	c.m[k] = kept
	c.order = append(c.order, k)
	c.size += len(kept)
}
