package sqlite

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

const countCacheSize = 4096

// countCache remembers Count results per entity table. Every committed write
// transaction that touched a table bumps the table's generation; an entry
// only hits while its generation is current. Exact, because this process is
// the database's only writer (flock in Open).
//
// Readers take the generation before running their query, so a result that
// raced with a commit is stored under an already stale generation and never
// served.
type countCache struct {
	mu   sync.Mutex
	gens map[string]uint64
	m    map[string]countEntry
	max  int

	hits, misses atomic.Uint64 // lookups answered and not (metrics)
}

type countEntry struct {
	table string
	gen   uint64
	n     int64
}

func newCountCache(max int) *countCache {
	return &countCache{gens: map[string]uint64{}, m: map[string]countEntry{}, max: max}
}

// lookup returns the cached count for key (hit) and the table's current
// generation, to be handed to store.
func (c *countCache) lookup(table, key string) (n int64, gen uint64, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen = c.gens[table]
	if e, ok := c.m[key]; ok && e.gen == gen {
		c.hits.Add(1)
		return e.n, gen, true
	}
	c.misses.Add(1)
	return 0, gen, false
}

func (c *countCache) store(table, key string, gen uint64, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gens[table] {
		return // a write committed meanwhile
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		// Evict about a quarter, oldest generations first is not worth the
		// bookkeeping: map order is random enough.
		drop := c.max / 4
		for k := range c.m {
			if drop <= 0 {
				break
			}
			delete(c.m, k)
			drop--
		}
	}
	c.m[key] = countEntry{table: table, gen: gen, n: n}
}

// bump invalidates the counts of tables.
func (c *countCache) bump(tables map[string]struct{}) {
	if len(tables) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range tables {
		c.gens[t]++
	}
}

// countKey identifies a count query: its SQL (which names the table) and
// arguments, each tagged with its type.
func countKey(q string, args []any) string {
	var b strings.Builder
	b.WriteString(q)
	for _, a := range args {
		b.WriteByte(0)
		switch x := a.(type) {
		case nil:
			b.WriteByte('n')
		case string:
			b.WriteString("s" + strconv.Quote(x))
		case int64:
			b.WriteString("i" + strconv.FormatInt(x, 10))
		case float64:
			b.WriteString("f" + strconv.FormatFloat(x, 'g', -1, 64))
		default:
			fmt.Fprintf(&b, "%T:%#v", x, x)
		}
	}
	return b.String()
}
