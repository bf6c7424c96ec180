package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"runway/record"
	"runway/store"
)

// BenchmarkImportBatch: what a CSV import's batch asks of the store's
// writer, 2,500 records of about 600 bytes created in one Write, each with
// its history entry holding the document (storetest's companies). One op
// is one record; the figure to compare is the writer's time per record.
func BenchmarkImportBatch(b *testing.B, open Opener) {
	s, a := Open(b, open)
	e := a.Entity("companies")
	ctx := context.Background()
	const batch = 2500
	note := strings.Repeat("Note of a company, with a comma. ", 8)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%batch != 0 {
			i++
			continue // the batch below wrote this record
		}
		b.StopTimer() // the rows as the import prepares them, off the writer
		rows := make([]*store.Row, batch)
		for k := range rows {
			n := i + k
			rows[k] = Row(n, map[string]any{"name": fmt.Sprintf("Company %07d", n), "email": fmt.Sprintf("info%d@example.org", n),
				"budget": n % 5000, "notes": note, "address": map[string]any{"street": fmt.Sprintf("%d Main St", n%999), "city": "Springfield"}})
			if err := s.PrepareRow(rows[k]); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		err := s.Write(ctx, func(tx store.Tx) error {
			for k, r := range rows {
				if err := tx.Insert(ctx, e, r); err != nil {
					return err
				}
				h := store.HistoryEntry{ID: record.NewID(), Entity: e.FullName, EntityVersion: 1, RecordID: r.ID, RecordLabel: r.Label,
					Event: store.UserRecordCreated, Time: int64(i + k), User: "admin@localhost", ContextPath: "import", Old: []byte("{}"), New: r.Doc}
				if err := tx.AddHistory(ctx, h); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}
