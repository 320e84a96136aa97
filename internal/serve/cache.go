package serve

import "sync"

// answerCache keeps encoded answers by their canonical query string in one ring of bytes; when
// the ring is full the oldest answers are dropped. The snapshot never changes, so an answer, once
// computed, is the answer: a question asked again (the UI redrawing a trace, a finding's proving
// trace, many clients asking the same) costs a map lookup and a copy instead of a trace and its
// encoding.
//
// Why a ring and not a copy per answer: under 50 clients asking new questions, a fresh 8 KB
// copy per answer was a tenth of the server's CPU (fresh pages while the cache fills, garbage
// once it drops answers, each GC marking the whole 450 MB estate). The ring is allocated once,
// holds no pointers, and readers copy their answer out under the lock (a few hundred ns).
type answerCache struct {
	mu     sync.Mutex
	budget int // bytes of the ring
	ring   []byte
	head   int // where the next answer is written
	size   int // bytes of the answers kept
	m      map[string]span
	order  []keptAnswer // oldest first; in ring order from head, wrapping once
}

type span struct{ off, n int }

type keptAnswer struct {
	key string
	span
}

// maxTraceCacheBytes bounds the trace answers kept (a trace answer is 2-10 KiB).
const maxTraceCacheBytes = 32 << 20

// newAnswerCache allocates the ring at once: fresh memory from the OS is already zero, so it costs
// no time now and resident memory only as answers fill it (allocated on the first put, 32 MB
// cost the first put's 50 waiting clients a 100-200 ms stall).
func newAnswerCache(budget int) *answerCache {
	return &answerCache{budget: budget, ring: make([]byte, budget), m: map[string]span{}}
}

// get appends the answer kept for k to dst.
func (c *answerCache) get(k string, dst []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sp, ok := c.m[k]
	if !ok {
		return dst, false
	}
	return append(dst, c.ring[sp.off:sp.off+sp.n]...), true
}

// put keeps a copy of b, dropping the oldest answers where it is written.
func (c *answerCache) put(k string, b []byte) {
	n := len(b)
	if n > c.budget/16 {
		return // one huge answer would push out many small ones
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	if c.head+n > len(c.ring) { // no room before the end: drop the answers there, start again at 0
		c.dropWhile(func(sp span) bool { return sp.off >= c.head })
		c.head = 0
	}
	// Answers of the previous round start at or after head (invariant): drop those that start
	// before this one ends.
	c.dropWhile(func(sp span) bool { return sp.off >= c.head && sp.off < c.head+n })
	sp := span{c.head, n}
	copy(c.ring[sp.off:], b)
	c.m[k] = sp
	c.order = append(c.order, keptAnswer{k, sp})
	c.head += n
	c.size += n
}

// dropWhile drops the oldest answers while drop says so.
func (c *answerCache) dropWhile(drop func(span) bool) {
	i := 0
	for i < len(c.order) && drop(c.order[i].span) {
		delete(c.m, c.order[i].key)
		c.size -= c.order[i].n
		i++
	}
	c.order = c.order[i:]
}
