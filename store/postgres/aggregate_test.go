package postgres

import (
	"context"
	"slices"
	"testing"

	"runway/aggregate"
	"runway/query"
	"runway/types"
)

// A sort of a group's sums orders them in SQL as Eval's sort reads their
// text (integers that fit int64 exactly, others as their nearest float64,
// ties in input order), also where numeric's own order differs: numbers
// one float apart, integers beyond 2^53 and 2^63, fractions rounding to an
// integer.
func TestNumberOrder(t *testing.T) {
	s := openEmpty(t).(*Store)
	sums := []string{"9007199254740993", "9007199254740992", "9007199254740992.5", "9007199254740994", "9007199254740993.4",
		"0.1", "0.10000000000000001", "0.1000000000000000055511151231257827", "3", "3.0000000000000000001",
		"2.9999999999999999999", "9223372036854775807", "9223372036854775808", "9223372036854775806.5",
		"9223372036854775296", "9223372036854775807.5", "-9223372036854775808", "-9223372036854775809",
		"-9223372036854775807.9", "-0.5", "0", "18446744073709551616", "18446744073709551617", "-3", "-2.9999999999999999999",
		"123456789012345678.25", "123456789012345678", "123456789012345680"}
	for _, desc := range []bool{false, true} {
		dir := " ASC"
		if desc {
			dir = " DESC"
		}
		rows, err := s.pool.Query(context.Background(), "SELECT v.i FROM unnest($1::text[]) WITH ORDINALITY AS v(x, i) ORDER BY "+
			numberOrder("(v.x)::numeric", dir)+", v.i", sums)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for rows.Next() {
			var i int64
			if err := rows.Scan(&i); err != nil {
				t.Fatal(err)
			}
			got = append(got, int(i)-1)
		}
		rows.Close()
		want := make([]int, len(sums))
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int {
			x, _ := aggregate.OrderNumber(sums[a])
			y, _ := aggregate.OrderNumber(sums[b])
			c := query.Compare(types.Decimal, x, y)
			if desc {
				c = -c
			}
			return c
		})
		if !slices.Equal(got, want) {
			t.Errorf("desc %v:\n SQL %v\n Go  %v", desc, pick(sums, got), pick(sums, want))
		}
	}
}

func pick(list []string, at []int) []string {
	out := make([]string, len(at))
	for i, j := range at {
		out[i] = list[j]
	}
	return out
}
