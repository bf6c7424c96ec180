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
//
// A store that can tell how its commits change a count keeps it instead
// (StoreKept, then BeginCommit before each commit and End after it: SQLite,
// store/sqlite/keptcounts.go); the others' counts go stale at every commit.
type CountCache struct {
	mu   sync.Mutex
	live bool
	gens map[string]uint64
	m    map[string]countEntry
	max  int
	kept map[string]int // entries with a keep, per table

	hits, misses atomic.Uint64 // lookups answered and not (metrics)
}

type countEntry struct {
	table string
	gen   uint64
	n     int64
	keep  any // what the store needs to follow the count across writes (CountCommit)
}

// NewCountCache makes a cache of max entries, live or not yet.
func NewCountCache(max int, live bool) *CountCache {
	return &CountCache{live: live, gens: map[string]uint64{}, m: map[string]countEntry{}, max: max, kept: map[string]int{}}
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
	c.StoreKept(table, key, gen, n, nil)
}

// MaxKept bounds the entries of one table that a store follows across
// writes (CountCommit): each costs a check of every written record.
const MaxKept = 64

// StoreKept is Store for a count the store can follow across its writes:
// keep (non-nil) is handed back to CountCommit.End's adjust.
func (c *CountCache) StoreKept(table, key string, gen uint64, n int64, keep any) {
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
			c.remove(k)
			drop--
		}
	}
	c.remove(key)
	if keep != nil && c.kept[table] >= MaxKept {
		keep = nil
	}
	if keep != nil {
		c.kept[table]++
	}
	c.m[key] = countEntry{table: table, gen: gen, n: n, keep: keep}
}

func (c *CountCache) remove(key string) {
	if e, ok := c.m[key]; ok {
		if e.keep != nil {
			c.kept[e.table]--
		}
		delete(c.m, key)
	}
}

// Kept reports whether some count of table is followed across writes, so a
// write must tell CountCommit how it changed the table.
func (c *CountCache) Kept(table string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live && c.kept[table] > 0
}

// CountCommit follows the kept counts of a commit's tables: BeginCommit
// before the commit makes every count of them stale (readers meanwhile
// store under a generation End moves past), End after it serves the kept
// counts again, adjusted by what the commit changed.
type CountCommit struct {
	c      *CountCache
	tables map[string]uint64 // table → generation during the commit
	kept   map[string]countEntry
}

// BeginCommit starts the commit of writes to tables.
func (c *CountCache) BeginCommit(tables ...string) *CountCommit {
	c.mu.Lock()
	defer c.mu.Unlock()
	cc := &CountCommit{c: c, tables: map[string]uint64{}, kept: map[string]countEntry{}}
	for _, t := range tables {
		if c.kept[t] > 0 && c.live {
			for k, e := range c.m {
				if e.table == t && e.keep != nil && e.gen == c.gens[t] {
					cc.kept[k] = e
				}
			}
		}
		c.gens[t]++
		cc.tables[t] = c.gens[t]
	}
	return cc
}

// End ends a committed commit: each kept count valid before it is served
// again with the difference adjust gives (ok false: unknown, it stays
// stale). Counts of a table bumped meanwhile by another commit stay stale.
func (cc *CountCommit) End(adjust func(table string, keep any) (delta int64, ok bool)) {
	type upd struct {
		key string
		n   int64
	}
	var ups []upd
	for k, e := range cc.kept {
		if d, ok := adjust(e.table, e.keep); ok {
			ups = append(ups, upd{k, e.n + d})
		}
	}
	c := cc.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for t, g := range cc.tables {
		if c.gens[t] == g {
			c.gens[t]++
		}
	}
	for _, u := range ups {
		e := cc.kept[u.key]
		if g := cc.tables[e.table]; c.gens[e.table] != g+1 || !c.live {
			continue
		}
		if cur, ok := c.m[u.key]; !ok || cur.keep == nil {
			continue // evicted meanwhile
		}
		c.m[u.key] = countEntry{table: e.table, gen: c.gens[e.table], n: u.n, keep: e.keep}
	}
	for k, e := range cc.kept {
		if cur, ok := c.m[k]; ok && cur.gen != c.gens[e.table] {
			c.remove(k) // stale: no longer worth a read before each write
		}
	}
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
	clear(c.kept)
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
	return c.CountKept(table, q, args, nil, run)
}

// CountKept is Count for a count the store can follow across writes (see
// StoreKept).
func (c *CountCache) CountKept(table, q string, args []any, keep any, run func() (int64, error)) (int64, error) {
	key := CountKey(q, args)
	n, gen, hit := c.Lookup(table, key)
	if hit {
		return n, nil
	}
	n, err := run()
	if err != nil {
		return 0, err
	}
	c.StoreKept(table, key, gen, n, keep)
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
