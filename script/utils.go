package script

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"regexp"
	"strings"
	"time"

	"github.com/dop251/goja"

	"runway/apperr"
	"runway/types"
)

// sysUtils is the sys.utils subset of app-model.md §7.
func (rt *runtime) sysUtils() *goja.Object {
	u := rt.vm.NewObject()
	_ = u.Set("base64", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"encode": func(c goja.FunctionCall) goja.Value {
			return rt.vm.ToValue(base64.StdEncoding.EncodeToString([]byte(str(c, 0))))
		},
		"decode": func(c goja.FunctionCall) goja.Value {
			s := str(c, 0)
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
					rt.throwf(apperr.BadRequest, "base64.decode: %v", err)
				}
			}
			return rt.vm.ToValue(string(b))
		},
	}))
	numbers := rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"format": func(c goja.FunctionCall) goja.Value {
			d := rt.decArg(arg(c, 0))
			places, thousands := -1, true
			if o, ok := arg(c, 1).(*goja.Object); ok {
				if v := o.Get("decimals"); !isNothing(v) {
					places = int(v.ToInteger())
				}
				if v := o.Get("thousandsSeparator"); !isNothing(v) {
					thousands = v.ToBoolean()
				}
			}
			s := d.String()
			if places >= 0 {
				s = d.fixed(places)
			}
			if thousands {
				s = grouped(s)
			}
			return rt.vm.ToValue(s)
		},
	})
	_ = numbers.Set("BigNumber", rt.bigConstructor())
	_ = u.Set("numbers", numbers)
	_ = u.Set("time", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"format": func(c goja.FunctionCall) goja.Value {
			t, ok := dateOf(arg(c, 0))
			if !ok {
				if n, isNum := int64Of(arg(c, 0).Export()); isNum {
					t, ok = time.UnixMilli(n), true
				}
			}
			if !ok {
				rt.throwf(apperr.BadRequest, "time.format needs a Date")
			}
			pattern := str(c, 1)
			if pattern == "" {
				pattern = "yyyy-MM-dd HH:mm"
			}
			return rt.vm.ToValue(types.Format(types.DateTime, nil, types.Display{"format": pattern}, t.UnixMilli(), rt.zone(str(c, 2))))
		},
		"parse": func(c goja.FunctionCall) goja.Value {
			layout := goLayout(str(c, 1))
			t, err := time.ParseInLocation(layout, str(c, 0), rt.zone(str(c, 2)))
			if err != nil {
				rt.throwf(apperr.BadRequest, "time.parse: %q does not match %q", str(c, 0), str(c, 1))
			}
			return rt.date(t)
		},
		"getTimeZoneOffset": func(c goja.FunctionCall) goja.Value {
			loc := rt.zone(str(c, 0))
			t := rt.e.opts.Clock.Now()
			if v := arg(c, 1); !isNothing(v) {
				if d, ok := dateOf(v); ok {
					t = d
				} else if n, ok := int64Of(v.Export()); ok {
					t = time.UnixMilli(n)
				}
			}
			_, off := t.In(loc).Zone()
			return rt.vm.ToValue(int64(off) * 1000)
		},
	}))
	_ = u.Set("text", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"htmlToText": func(c goja.FunctionCall) goja.Value { return rt.vm.ToValue(types.HTMLText(str(c, 0))) },
		"processTemplate": func(c goja.FunctionCall) goja.Value {
			var model map[string]any
			if o, ok := arg(c, 1).(*goja.Object); ok {
				if m, ok := o.Get("model").(*goja.Object); ok {
					model, _ = exportJSON(m).(map[string]any)
				}
			}
			return rt.vm.ToValue(processTemplate(str(c, 0), model))
		},
	}))
	_ = u.Set("crypto", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"sha1": func(c goja.FunctionCall) goja.Value {
			sum := sha1.Sum([]byte(str(c, 0)))
			return rt.vm.ToValue(hex.EncodeToString(sum[:]))
		},
		"hashHmac": func(c goja.FunctionCall) goja.Value {
			h, ok := hmacHash(str(c, 2))
			if !ok {
				rt.throwf(apperr.BadRequest, "hashHmac: unknown algorithm %q (sha1, sha256, sha512, md5)", str(c, 2))
			}
			m := hmac.New(h, []byte(str(c, 1)))
			m.Write([]byte(str(c, 0)))
			return rt.vm.ToValue(hex.EncodeToString(m.Sum(nil)))
		},
	}))
	_ = u.Set("script", rt.obj(map[string]func(goja.FunctionCall) goja.Value{
		"wait": func(c goja.FunctionCall) goja.Value {
			ms := arg(c, 0).ToInteger()
			if ms <= 0 {
				return goja.Undefined()
			}
			t := time.NewTimer(time.Duration(ms) * time.Millisecond)
			defer t.Stop()
			// The time limit (or a canceled request) ends the wait: the
			// interrupt then stops the script as soon as it resumes.
			select {
			case <-t.C:
			case <-rt.x.done:
			}
			return goja.Undefined()
		},
	}))
	return u
}

// zone loads a time zone by name; "" or an unknown name is the app's.
func (rt *runtime) zone(name string) *time.Location {
	if name != "" {
		if l, err := loadLocation(name); err == nil {
			return l
		}
	}
	return rt.e.data.Location()
}

func loadLocation(name string) (*time.Location, error) { return time.LoadLocation(name) }

func hmacHash(alg string) (func() hash.Hash, bool) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(alg, "Hmac"), "hmac")) {
	case "", "sha256":
		return sha256.New, true
	case "sha1":
		return sha1.New, true
	case "sha512":
		return sha512.New, true
	case "md5":
		return md5.New, true
	}
	return nil, false
}

var templateVar = regexp.MustCompile(`\$\{\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\}`)

// processTemplate substitutes ${name} and ${a.b} from the model (no
// FreeMarker directives, app-model.md §7); unknown names become "".
func processTemplate(tpl string, model map[string]any) string {
	return templateVar.ReplaceAllStringFunc(tpl, func(m string) string {
		path := templateVar.FindStringSubmatch(m)[1]
		var cur any = model
		for _, p := range strings.Split(path, ".") {
			mm, ok := cur.(map[string]any)
			if !ok {
				return ""
			}
			cur = mm[p]
		}
		switch x := cur.(type) {
		case nil:
			return ""
		case string:
			return x
		case json.Number:
			return x.String()
		}
		b, _ := json.Marshal(cur)
		return string(b)
	})
}

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
		switch c {
		case 'y':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			case n == 2:
				b.WriteString("01")
			default:
				b.WriteString("1")
			}
		case 'd':
			b.WriteString(byWidth(n, 2, "02", "2"))
		case 'H':
			b.WriteString("15")
		case 'h':
			b.WriteString(byWidth(n, 2, "03", "3"))
		case 'm':
			b.WriteString(byWidth(n, 2, "04", "4"))
		case 's':
			b.WriteString(byWidth(n, 2, "05", "5"))
		case 'S':
			b.WriteString("." + strings.Repeat("0", n))
		case 'a':
			b.WriteString("PM")
		case 'E':
			b.WriteString(byWidth(n, 4, "Monday", "Mon"))
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			b.WriteString("Z07:00")
		case 'z':
			b.WriteString("MST")
		default:
			b.WriteString(strings.Repeat(string(c), n))
		}
	}
	return strings.ReplaceAll(b.String(), "..", ".")
}

// byWidth picks the long form of a pattern letter repeated at least atLeast
// times, the short form otherwise.
func byWidth(n, atLeast int, long, short string) string {
	if n >= atLeast {
		return long
	}
	return short
}
