package query

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"runway/apperr"
)

type level string

// The readers of status list parameters: values read, absent ones zero,
// bad ones and ones given twice a badRequest naming the parameter.
func TestStatusParams(t *testing.T) {
	q := func(raw string) url.Values {
		t.Helper()
		v, err := ParseQueryString(raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	bad := func(err error, name string) {
		t.Helper()
		if !apperr.Is(err, apperr.BadRequest) || !strings.Contains(err.Error(), "Invalid parameter "+name) {
			t.Errorf("%s: %v, want a badRequest naming it", name, err)
		}
	}
	levels := []level{"INFO", "WARN", "ERROR"}
	if got, err := EnumList(q("level=error,%20info,ERROR"), "level", levels); err != nil || !slices.Equal(got, []level{"ERROR", "INFO"}) {
		t.Errorf("level: %v %v", got, err)
	}
	if got, err := EnumList(q(""), "level", levels); err != nil || got != nil {
		t.Errorf("no level: %v %v", got, err)
	}
	_, err := EnumList(q("level=INFO,DEBUG"), "level", levels)
	bad(err, "level")
	_, err = EnumList(q("level=INFO&level=WARN"), "level", levels)
	bad(err, "level")

	if b, err := Flag(q("hasErrors=TRUE"), "hasErrors"); err != nil || b == nil || !*b {
		t.Errorf("flag: %v %v", b, err)
	}
	if b, err := Flag(q("hasErrors=false"), "hasErrors"); err != nil || b == nil || *b {
		t.Errorf("flag false: %v %v", b, err)
	}
	if b, err := Flag(q(""), "hasErrors"); err != nil || b != nil {
		t.Errorf("no flag: %v %v", b, err)
	}
	_, err = Flag(q("hasErrors=yes"), "hasErrors")
	bad(err, "hasErrors")

	if n, err := Millis(q("from=-5"), "from"); err != nil || n == nil || *n != -5 {
		t.Errorf("millis: %v %v", n, err)
	}
	_, err = Millis(q("from=1.5"), "from")
	bad(err, "from")

	for raw, want := range map[string]int{"": 20, "_size=1": 1, "_size=1000": 1000} {
		if n, err := PageSize(q(raw), 20); err != nil || n != want {
			t.Errorf("%q: %d %v, want %d", raw, n, err, want)
		}
	}
	for _, raw := range []string{"_size=0", "_size=1001", "_size=x"} {
		_, err := PageSize(q(raw), 20)
		bad(err, "_size")
	}
	id := "65f0a1b2c3d4e5f6a7b8c9d0"
	if o, err := IDOffset(q("_offset=" + id)); err != nil || o != id {
		t.Errorf("offset: %q %v", o, err)
	}
	_, err = IDOffset(q("_offset=20"))
	bad(err, "_offset")

	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	from, to, err := Window(q("period=2h&from=1&to=2"), now, time.UTC)
	if err != nil || *from != now.Add(-2*time.Hour).UnixMilli() || *to != now.UnixMilli() {
		t.Errorf("period: %v %v %v", from, to, err)
	}
	if from, to, err := Window(q("from=1&to=2"), now, time.UTC); err != nil || *from != 1 || *to != 2 {
		t.Errorf("from/to: %v %v %v", from, to, err)
	}
	if from, to, err := Window(q(""), now, time.UTC); err != nil || from != nil || to != nil {
		t.Errorf("no window: %v %v %v", from, to, err)
	}
	_, _, err = Window(q("period=soon"), now, time.UTC)
	bad(err, "period")
	_, _, err = Window(q("period=1h&period=2h"), now, time.UTC)
	bad(err, "period")
}

// FuzzWindow: any query string either gives a window or a badRequest; a
// period's window ends now and starts no later.
func FuzzWindow(f *testing.F) {
	for _, s := range []string{"period=3h%2030m", "period=today", "from=1&to=2", "period=", "period=1d&from=x", "to=-9"} {
		f.Add(s)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseQueryString(raw)
		if err != nil {
			return
		}
		from, to, err := Window(q, now, time.UTC)
		if err != nil {
			if !apperr.Is(err, apperr.BadRequest) {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if p, _ := Single(q, "period"); p != "" && (*to != now.UnixMilli() || *from > *to) {
			t.Fatalf("%q: %d..%d", raw, *from, *to)
		}
	})
}
