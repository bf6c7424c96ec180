package script

import (
	"strings"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/types"
)

// sysTime is sys.utils.time: time zones, and dates formatted and parsed
// with Java-style patterns (yyyy-MM-dd HH:mm).
func (rt *runtime) sysTime() *goja.Object {
	return rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"format": func(c goja.FunctionCall) goja.Value {
			t := rt.instant("time.format", arg(c, 0))
			pattern := str(c, 1)
			if pattern == "" {
				pattern = "yyyy-MM-dd HH:mm"
			}
			return rt.vm.ToValue(types.Format(types.DateTime, nil, types.Display{"format": pattern}, t.UnixMilli(), rt.zoneArg(arg(c, 2))))
		},
		"parse": func(c goja.FunctionCall) goja.Value {
			t, err := time.ParseInLocation(goLayout(str(c, 1)), str(c, 0), rt.zoneArg(arg(c, 2)))
			if err != nil {
				rt.throwf(apperr.BadRequest, "time.parse: %q does not match %q", str(c, 0), str(c, 1))
			}
			return rt.date(t)
		},
		"getTimeZoneOffset": func(c goja.FunctionCall) goja.Value {
			t := rt.e.opts.Clock.Now()
			if v := arg(c, 1); !isNothing(v) {
				t = rt.instant("time.getTimeZoneOffset", v)
			}
			return rt.vm.ToValue(zoneOffset(t, rt.zoneArg(arg(c, 0))))
		},
		"setTimeZone": func(c goja.FunctionCall) goja.Value {
			// The instant moved by the zone's offset there: its UTC fields
			// read the wall time of that zone.
			t := rt.instant("time.setTimeZone", arg(c, 0))
			return rt.date(t.Add(time.Duration(zoneOffset(t, rt.zoneArg(arg(c, 1)))) * time.Millisecond))
		},
	})
}

// zoneOffset is the offset of loc from UTC at t, in milliseconds.
func zoneOffset(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return int64(off) * 1000
}

// instant reads a Date or epoch milliseconds.
func (rt *runtime) instant(fn string, v goja.Value) time.Time {
	if t, ok := dateOf(v); ok {
		return t
	}
	if !isNothing(v) {
		if n, ok := int64Of(v.Export()); ok {
			return time.UnixMilli(n).UTC()
		}
	}
	rt.throwf(apperr.BadRequest, "%s needs a Date or epoch milliseconds", fn)
	return time.Time{}
}

// zoneArg reads a time zone given by its id or as an object with one
// ({id: 'America/New_York'}); nothing is the app's zone, an unknown id a
// badRequest.
func (rt *runtime) zoneArg(v goja.Value) *time.Location {
	if isNothing(v) {
		return rt.e.data.Location()
	}
	name := v.String()
	if o, ok := v.(*goja.Object); ok {
		name = ""
		for _, k := range []string{"id", "code", "timezone", "timeZone"} {
			if x := o.Get(k); !isNothing(x) {
				name = x.String()
				break
			}
		}
	}
	if strings.TrimSpace(name) == "" {
		return rt.e.data.Location()
	}
	loc, err := loadLocation(strings.TrimSpace(name))
	if err != nil {
		rt.throwf(apperr.BadRequest, "Unknown time zone %q", name)
	}
	return loc
}

func loadLocation(name string) (*time.Location, error) { return time.LoadLocation(name) }

// goLayout turns a Java date pattern (yyyy-MM-dd HH:mm:ss.SSS, 'quoted'
// text) into a Go time layout.
func goLayout(p string) string {
	var b strings.Builder
	rs := []rune(p)
	for i := 0; i < len(rs); {
		c := rs[i]
		if c == '\'' {
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				b.WriteRune(rs[j])
				j++
			}
			i = j + 1
			continue
		}
		n := 1
		for i+n < len(rs) && rs[i+n] == c {
			n++
		}
		i += n
		b.WriteString(layoutOf(c, n))
	}
	return strings.ReplaceAll(b.String(), "..", ".")
}

// layoutOf is the Go layout of one Java pattern letter repeated n times.
func layoutOf(c rune, n int) string {
	switch c {
	case 'y':
		if n == 2 {
			return "06"
		}
		return "2006"
	case 'M':
		switch {
		case n >= 4:
			return "January"
		case n == 3:
			return "Jan"
		}
		return byWidth(n, 2, "01", "1")
	case 'd':
		return byWidth(n, 2, "02", "2")
	case 'H':
		return "15"
	case 'h':
		return byWidth(n, 2, "03", "3")
	case 'm':
		return byWidth(n, 2, "04", "4")
	case 's':
		return byWidth(n, 2, "05", "5")
	case 'S':
		return "." + strings.Repeat("0", n)
	case 'a':
		return "PM"
	case 'E':
		return byWidth(n, 4, "Monday", "Mon")
	case 'Z':
		return "-0700"
	case 'X':
		return "Z07:00"
	case 'z':
		return "MST"
	}
	return strings.Repeat(string(c), n)
}

// byWidth picks the long form of a pattern letter repeated at least atLeast
// times, the short form otherwise.
func byWidth(n, atLeast int, long, short string) string {
	if n >= atLeast {
		return long
	}
	return short
}
