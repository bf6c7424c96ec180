package sqlstore

import "testing"

// A kept count moves with each commit by adjust; a count read while a
// commit runs, or read before it and stored during it, is never served
// after it; an adjust that cannot tell leaves the count stale.
func TestCountCacheKept(t *testing.T) {
	c := NewCountCache(16, true)
	_, gen, _ := c.Lookup("t", "k")
	c.StoreKept("t", "k", gen, 10, "cond")
	c.Store("t", "plain", gen, 7)
	if !c.Kept("t") || c.Kept("u") {
		t.Fatal("Kept")
	}
	_, early, _ := c.Lookup("t", "other") // a reader that started before the commit
	cc := c.BeginCommit("t")
	if _, _, hit := c.Lookup("t", "k"); hit {
		t.Fatal("served during the commit")
	}
	_, during, _ := c.Lookup("t", "k")
	c.StoreKept("t", "k", during, 99, "cond") // read during the commit: may or may not see it
	c.Store("t", "other", early, 5)           // read before, stored during: stale
	cc.End(func(table string, keep any) (int64, bool) {
		if table != "t" || keep != "cond" {
			t.Fatalf("adjust %s %v", table, keep)
		}
		return 2, true
	})
	if n, _, hit := c.Lookup("t", "k"); !hit || n != 12 {
		t.Fatalf("kept count after the commit: %d %v, want 12", n, hit)
	}
	if _, _, hit := c.Lookup("t", "plain"); hit {
		t.Fatal("a count without keep survived a commit")
	}
	if _, _, hit := c.Lookup("t", "other"); hit {
		t.Fatal("a count stored during the commit survived it")
	}
	c.BeginCommit("t").End(func(string, any) (int64, bool) { return 0, false })
	if _, _, hit := c.Lookup("t", "k"); hit {
		t.Fatal("an unknown change kept the count")
	}
	if c.Kept("t") {
		t.Fatal("a stale count is still kept")
	}
	_, gen, _ = c.Lookup("t", "k")
	c.StoreKept("t", "k", gen, 3, "cond")
	c.SetLive(false)
	if c.Kept("t") {
		t.Fatal("Kept while not live")
	}
}
