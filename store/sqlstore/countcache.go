package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// CountCacheSize is how many counts a store keeps.
const CountCacheSize = 4096

// CountCache remembers Count results per entity table. Every committed write
// transaction that touched a table bumps the table's generation; an entry
// only hits while its generation is current, and only while the cache is
// live: a store whose writes all pass through this process (SQLite, flock
// in Open) is always live; one shared by several processes (PostgreSQL) is
// live while it hears the others' writes (listener.go there), and bumps on
// what it hears.
//
// Readers take the generation before running their query, so a result that
// raced with a commit is stored under an already stale generation and never
// served.
type CountCache struct {
	mu   sync.Mutex
	live bool
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

// NewCountCache makes a cache of max entries, live or not yet.
func NewCountCache(max int, live bool) *CountCache {
	return &CountCache{live: live, gens: map[string]uint64{}, m: map[string]countEntry{}, max: max}
}

// Lookup returns the cached count for key (hit) and the table's current
// generation, to be handed to Store.
func (c *CountCache) Lookup(table, key string) (n int64, gen uint64, hit bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	gen = c.gens[table]
	if e, ok := c.m[key]; ok && c.live && e.gen == gen {
		c.hits.Add(1)
		return e.n, gen, true
	}
	c.misses.Add(1)
	return 0, gen, false
}

// Stats are the lookups the cache answered (hits) and those that had to
// count (misses) since it was made.
func (c *CountCache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// Store keeps a count read at generation gen.
func (c *CountCache) Store(table, key string, gen uint64, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gens[table] || !c.live {
		return // a write committed meanwhile, or other processes' writes go unheard
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

// Bump invalidates the counts of tables.
func (c *CountCache) Bump(tables ...string) {
	if len(tables) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, t := range tables {
		c.gens[t]++
	}
}

// SetLive turns the cache on or off; either way every entry is forgotten,
// since writes may have gone unheard.
func (c *CountCache) SetLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	clear(c.m)
	for t := range c.gens {
		c.gens[t]++
	}
}

// CountKey identifies a count query: its SQL (which names the table) and
// arguments, each tagged with its type.
func CountKey(q string, args []any) string {
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

// Count returns the count a query (q, args) of table gives: from the cache
// while it holds it, else from run, kept for the next reader.
func (c *CountCache) Count(table, q string, args []any, run func() (int64, error)) (int64, error) {
	key := CountKey(q, args)
	n, gen, hit := c.Lookup(table, key)
	if hit {
		return n, nil
	}
	n, err := run()
	if err != nil {
		return 0, err
	}
	c.Store(table, key, gen, n)
	return n, nil
}

// Len is the number of counts kept.
func (c *CountCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Live reports whether counts are kept and served.
func (c *CountCache) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
