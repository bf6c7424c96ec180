package types

import (
	"strconv"
	"strings"
	"time"
)

// formatJavaPattern renders t with a Java SimpleDateFormat-style pattern
// (the form of uiOptions.format in the sample, "dd-MM-yyyy HH:mm"). Letters
// repeat to pick width; 'quoted' text is literal; unknown letters are copied.
func formatJavaPattern(t time.Time, pattern string) string {
	var b strings.Builder
	p := []rune(pattern)
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			i = writeQuoted(&b, p, i)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			n := 1
			for i+n < len(p) && p[i+n] == c {
				n++
			}
			b.WriteString(javaField(t, c, n))
			i += n
		default:
			b.WriteRune(c)
			i++
		}
	}
	return b.String()
}

// writeQuoted copies 'text' (” is a single quote) and returns the index
// after the closing quote.
func writeQuoted(b *strings.Builder, p []rune, i int) int {
	if i+1 < len(p) && p[i+1] == '\'' {
		b.WriteRune('\'')
		return i + 2
	}
	for i++; i < len(p); i++ {
		if p[i] != '\'' {
			b.WriteRune(p[i])
			continue
		}
		if i+1 < len(p) && p[i+1] == '\'' {
			b.WriteRune('\'')
			i++
			continue
		}
		return i + 1
	}
	return i
}

func javaField(t time.Time, c rune, n int) string {
	switch c {
	case 'y', 'Y', 'u':
		if n == 2 {
			return pad(t.Year()%100, 2)
		}
		return pad(t.Year(), n)
	case 'M', 'L':
		return javaMonth(t.Month(), n)
	case 'd':
		return pad(t.Day(), n)
	case 'D':
		return pad(t.YearDay(), n)
	case 'E':
		if n >= 4 {
			return t.Weekday().String()
		}
		return t.Weekday().String()[:3]
	case 'a':
		return t.Format("PM")
	default:
		return javaTimeField(t, c, n)
	}
}

func javaTimeField(t time.Time, c rune, n int) string {
	switch c {
	case 'H':
		return pad(t.Hour(), n)
	case 'k':
		return pad((t.Hour()+23)%24+1, n)
	case 'h':
		return pad((t.Hour()+11)%12+1, n)
	case 'K':
		return pad(t.Hour()%12, n)
	case 'm':
		return pad(t.Minute(), n)
	case 's':
		return pad(t.Second(), n)
	case 'S':
		ms := pad(t.Nanosecond()/1e6, 3)
		if n <= 3 {
			return ms[:n]
		}
		return ms + strings.Repeat("0", n-3)
	case 'z':
		return t.Format("MST")
	case 'Z':
		return t.Format("-0700")
	case 'X':
		return javaISOZone(t, n)
	}
	return strings.Repeat(string(c), n)
}

func javaMonth(m time.Month, n int) string {
	switch {
	case n >= 4:
		return m.String()
	case n == 3:
		return m.String()[:3]
	}
	return pad(int(m), n)
}

func javaISOZone(t time.Time, n int) string {
	if _, off := t.Zone(); off == 0 {
		return "Z"
	}
	switch n {
	case 1:
		return t.Format("-07")
	case 2:
		return t.Format("-0700")
	}
	return t.Format("-07:00")
}

// pad renders n with at least width digits (a sign does not count).
func pad(n, width int) string {
	s := strconv.Itoa(abs(n))
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	if n < 0 {
		return "-" + s
	}
	return s
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
