package data

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"runway/app"
)

// An export reads each next page ahead while the current one is written:
// every record comes once, in order, across page boundaries; a limit and a
// callback that stops the scan end it where they say.
func TestExportReadsAheadInOrder(t *testing.T) {
	b := setup(t, app.Demo())
	var want []string
	for i := range 2*scanPage + 17 {
		want = append(want, b.create("companies", obj{"name": fmt.Sprintf("Company %04d", i)})["id"].(string))
	}
	slices.Sort(want)
	e := b.entity("companies")
	export := func(params string, stopAt int) ([]string, error) {
		var got []string
		err := b.svc.Export(b.ctx, b.dev, e, b.bulk("companies", "_sortField=id&_sortType=asc&"+params), nil, 50, func(recs []ExportRecord) error {
			for _, r := range recs {
				got = append(got, r.ID)
				if len(got) == stopAt {
					return errStop
				}
			}
			return nil
		})
		return got, err
	}
	got, err := export("", 0)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("export: %d records (err %v), want the %d in id order", len(got), err, len(want))
	}
	if got, err := export("_size=333", 0); err != nil || !slices.Equal(got, want[:333]) {
		t.Errorf("export of 333: %d records (err %v)", len(got), err)
	}
	if got, err := export("", scanPage+10); !errors.Is(err, errStop) || !slices.Equal(got, want[:scanPage+10]) {
		t.Errorf("export stopped by its callback: %d records, err %v", len(got), err)
	}
}

var errStop = errors.New("stop")
