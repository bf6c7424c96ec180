package storetest

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

// SortAgreesWithCompare: a filter on an indexable choice or boolean with a
// sort on another indexable field (the stores' composite indexes, whose
// sort columns are the sort's keys) returns the records Match accepts in
// query.Compare's order, ties by id in the sort's direction, with and
// without a limit, including values of another type than the field's
// (stored before a type change: nulls, numbers, text, booleans mixed).
func SortAgreesWithCompare(t *testing.T, open Opener) {
	a, _, err := app.LoadDir(filepath.Join(repoDir(), "app", "testdata", "kitchen"))
	if err != nil {
		t.Fatalf("load kitchen: %v", err)
	}
	e := a.Entity("things")
	sorted := []string{"integer", "decimal", "date", "text", "time", "choice", "boolean", "dateTime"}
	for _, f := range append([]string{"choice", "boolean"}, sorted...) {
		e.Field(f).Indexable = true
	}
	s := openSynced(t, open, a)
	ctx := context.Background()
	recs := genThings(a, 90)
	odd := []any{nil, "12", "abc", true, false, int64(7), 2.5, map[string]any{"x": int64(1)}, []any{"a"}, ""}
	for i := range recs {
		if i%7 == 0 {
			for k, f := range sorted {
				if f != "choice" && f != "boolean" {
					recs[i].values[f] = odd[(i+k)%len(odd)]
				}
			}
		}
	}
	rows := make([]*store.Row, len(recs))
	decoded := make([]record.Values, len(recs))
	for i, r := range recs {
		rows[i] = &store.Row{ID: r.id, Version: 1, Label: r.label, Doc: record.Encode(e, r.id, 1, r.label, r.values, nil)}
		if _, _, _, v, err := record.Decode(rows[i].Doc); err != nil {
			t.Fatal(err)
		} else {
			decoded[i] = v
		}
	}
	Insert(t, s, e, rows...)
	for _, filter := range [][2]string{{"", ""}, {"choice", "a"}, {"choice", "b"}, {"boolean", "true"}, {"choice", "a,c"}} {
		var where query.Expr
		if filter[0] != "" {
			c, err := query.ParseFilter(a, e, filter[0], filter[1])
			if err != nil {
				t.Fatal(err)
			}
			where = c
		}
		for _, f := range sorted {
			for _, desc := range []bool{false, true} {
				srt := query.Sort{Target: Target(t, e, f), Desc: desc}
				var want []string
				var idx []int
				for i, r := range recs {
					ok, err := query.Match(where, decoded[i], r.id, r.label)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						idx = append(idx, i)
					}
				}
				kind := e.Field(f).Type
				sort.SliceStable(idx, func(x, y int) bool {
					c := query.Compare(kind, decoded[idx[x]][f], decoded[idx[y]][f])
					if c == 0 {
						c = strings.Compare(recs[idx[x]].id, recs[idx[y]].id)
					}
					if desc {
						c = -c
					}
					return c < 0
				})
				for _, i := range idx {
					want = append(want, recs[i].id)
				}
				for _, limit := range []int{0, 5} {
					got, err := s.Find(ctx, e, &query.Select{Where: where, Sort: srt, Limit: limit})
					if err != nil {
						t.Fatalf("%v sorted by %s: %v", filter, f, err)
					}
					ids := []string{}
					for _, r := range got {
						ids = append(ids, r.ID)
					}
					w := append([]string{}, want...)
					if limit > 0 && len(w) > limit {
						w = w[:limit]
					}
					if !reflect.DeepEqual(ids, w) {
						t.Errorf("%s sorted by %s desc=%v limit %d:\n store   %v\n Compare %v", fmt.Sprint(filter), f, desc, limit, short(ids), short(w))
					}
				}
			}
		}
	}
}
