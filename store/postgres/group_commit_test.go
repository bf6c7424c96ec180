package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"runway/store"
	"runway/store/storetest"
)

// BenchmarkCreate: concurrent creates (an insert and its history entry,
// as data.Create writes), group-committed and each in its own (pipelined)
// transaction, in the same run.
func BenchmarkCreate(b *testing.B) {
	for _, alone := range []bool{false, true} {
		name := "grouped"
		if alone {
			name = "alone"
		}
		b.Run(name, func(b *testing.B) {
			st, a := storetest.Open(b, openEmpty)
			s := st.(*Store)
			s.alone = alone
			e := a.Entity("companies")
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					err := s.Write(ctx, func(tx store.Tx) error {
						if err := tx.Insert(ctx, e, storetest.Row(i, map[string]any{"name": fmt.Sprint("b", i)})); err != nil {
							return err
						}
						return tx.AddHistory(ctx, store.HistoryEntry{ID: storetest.ID(i), Entity: e.FullName, RecordID: storetest.ID(i),
							Event: store.UserRecordCreated, Time: 1})
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
