package query

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"runway/apperr"
	"runway/record"
)

func TestParseOutput(t *testing.T) {
	_, e := kitchen(t)
	for _, c := range []struct {
		qs   string
		want Output
	}{
		{"", Output{}},
		{"_format=native", Output{}},
		{"_format=plainText", Output{PlainText: true}},
		{"_format=plainText&_formatForUser=+ana@example.org+", Output{PlainText: true, ForUser: "ana@example.org"}},
		{"_formatForUser=ana@example.org", Output{ForUser: "ana@example.org"}},
		{"_fields=text&_relationshipsToFetch=owner", Output{Fields: record.FieldSet{"text": nil}, Fetch: [][]string{{"owner"}}}},
		{"_relationshipsToFetch=" + url.QueryEscape(" owner, friends ,,items.supplier,owner"),
			Output{Fetch: [][]string{{"owner"}, {"friends"}, {"items", "supplier"}}}},
		{"_relationshipsToFetch=relationship", Output{Fetch: [][]string{{"relationship"}}}},
	} {
		v, _ := url.ParseQuery(c.qs)
		got, err := ParseOutput(e, v)
		if err != nil {
			t.Errorf("%s: %v", c.qs, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.qs, got, c.want)
		}
	}
}

func TestParseOutputErrors(t *testing.T) {
	_, e := kitchen(t)
	for qs, param := range map[string]string{
		"_format=xml":                           "_format",
		"_format=PLAINTEXT":                     "_format",
		"_fields=nosuch":                        "_fields",
		"_relationshipsToFetch=text":            "_relationshipsToFetch",
		"_relationshipsToFetch=items":           "_relationshipsToFetch",
		"_relationshipsToFetch=items.name":      "_relationshipsToFetch",
		"_relationshipsToFetch=items.nosuch":    "_relationshipsToFetch",
		"_relationshipsToFetch=owner.name":      "_relationshipsToFetch",
		"_relationshipsToFetch=owner.id":        "_relationshipsToFetch",
		"_relationshipsToFetch=group":           "_relationshipsToFetch",
		"_relationshipsToFetch=owner,nosuch":    "_relationshipsToFetch",
		"_relationshipsToFetch=address.street":  "_relationshipsToFetch",
		"_relationshipsToFetch=.owner":          "_relationshipsToFetch",
		"_relationshipsToFetch=items..supplier": "_relationshipsToFetch",
	} {
		v, _ := url.ParseQuery(qs)
		_, err := ParseOutput(e, v)
		ae := apperr.As(err)
		if ae == nil || ae.Code != apperr.BadRequest || !strings.Contains(ae.Message, param) {
			t.Errorf("%s: %v, want badRequest naming %s", qs, err, param)
		}
	}
}

func TestParseListCarriesOutput(t *testing.T) {
	l, err := parse(t, "_format=plainText&_formatForUser=ana@example.org&_relationshipsToFetch=items.supplier&_fields=items")
	if err != nil {
		t.Fatal(err)
	}
	want := Output{Fields: record.FieldSet{"items": nil}, PlainText: true, ForUser: "ana@example.org", Fetch: [][]string{{"items", "supplier"}}}
	if !reflect.DeepEqual(l.Output, want) {
		t.Errorf("%+v, want %+v", l.Output, want)
	}
}
