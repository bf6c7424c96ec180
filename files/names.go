package files

import (
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"runway/record"
	"runway/store"
)

// maxName is the longest file name kept, in bytes.
const maxName = 255

// SafeName makes a client's file name safe to store and to show: valid
// UTF-8, only its last path element (a browser may send C:\dir\a.txt;
// "../x" is x), no control or invisible formatting characters (newlines
// that would split a header, bidirectional overrides that disguise an
// extension), trimmed, at most 255 bytes; "file" when nothing is left.
// Names are never used as paths: blobs are stored under generated ids.
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			return ' '
		case unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, name)
	for len(name) > maxName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.Trim(name, ".") == "" {
		return "file"
	}
	return name
}

// SafeContentType is a client's content type when it is a valid media
// type (normalized), else the type of the name's extension, else
// application/octet-stream.
func SafeContentType(ct, name string) string {
	if ct != "" && len(ct) <= 255 {
		if mt, params, err := mime.ParseMediaType(ct); err == nil && strings.Contains(mt, "/") {
			if s := mime.FormatMediaType(mt, params); s != "" {
				return s
			}
		}
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// ValueName is the name a file field shows (rest-api.md §12 D15): the
// file's name and its human size, "report.pdf (120.4kB)".
func ValueName(f *store.File) string {
	return f.Name + " (" + record.HumanSize(f.Size) + ")"
}
