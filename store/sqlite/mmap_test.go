package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// BenchmarkGetMapped: concurrent reads of one record by id from 50,000
// (a file larger than the page caches), through the memory map and with
// read syscalls, in the same run.
func BenchmarkGetMapped(b *testing.B) {
	const n = 50000
	for _, c := range []struct {
		name string
		mmap int64
	}{{"mmap", 0}, {"read", -1}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			open := func(t testing.TB) store.Store {
				return storetest.Closing[*Store](t)(Open(ctx, filepath.Join(t.TempDir(), "runway.db"), Options{MmapSize: c.mmap, CacheSize: 2000}))
			}
			s, a := storetest.Open(b, open)
			e := a.Entity("companies")
			filler := fmt.Sprintf("%0800d", 0) // documents of about 1 KB
			for i := 0; i < n; i += 1000 {
				rows := make([]*store.Row, 1000)
				for j := range rows {
					rows[j] = storetest.Row(i+j, map[string]any{"name": fmt.Sprint("company ", i+j), "notes": filler})
				}
				storetest.Insert(b, s, e, rows...)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 1))
				for pb.Next() {
					if _, err := s.Get(ctx, e, storetest.ID(r.IntN(n))); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestMmapReadersOnly: the read connections map the file as configured,
// the writer does not (dsn): through the map, every page the writer read
// stayed resident in the process.
func TestMmapReadersOnly(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ set, want int64 }{{0, DefaultMmapSize}, {64 << 20, 64 << 20}, {-1, 0}} {
		s := storetest.Closing[*Store](t)(Open(ctx, filepath.Join(t.TempDir(), "runway.db"), Options{MmapSize: c.set}))
		var read, write int64
		if err := s.rdb.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&read); err != nil {
			t.Fatal(err)
		}
		if err := s.wdb.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&write); err != nil {
			t.Fatal(err)
		}
		if read != c.want || write != 0 {
			t.Errorf("MmapSize %d: readers map %d bytes (want %d), the writer %d (want 0)", c.set, read, c.want, write)
		}
	}
}
