package script_test

import (
	"context"
	"testing"
	"testing/fstest"

	"runway/app"
	"runway/record"
)

// demoWith is the demo app with src appended to one of its files.
func demoWith(t *testing.T, file, src string) fstest.MapFS {
	t.Helper()
	fsys := copyApp(t, app.Demo())
	fsys[file].Data = append(fsys[file].Data, []byte(src)...)
	return fsys
}

// A nestedLabel function that only joins literals and inner text values
// is evaluated without JavaScript, with JavaScript's answer for every
// item; anything else is left to JavaScript.
func TestNestedLabelTemplates(t *testing.T) {
	v := newEnv(t, demoWith(t, "model/entities/companies.js", `
function cityOnly(record, nested) { return nested.field('city').val(); }
function prefixed(record, nested) { return '#' + nested.field('city').val() + nested.field('state').val(); }
function twoValues(record, nested) { return nested.field('city').val() + nested.field('state').val(); }
function grouped(record, nested) { return nested.field('city').val() + (' / ' + (nested.field('state').val() + nested.field('zipCode').val())); }
function byName(nested) { return nested.field("state").val() + ' ✓ 😀'; }
function otherName(r, item) { return item.field('zipCode').val() + '-' + item.field('addressLine').val(); }
function readsRecord(record, nested) { return record.field('name').val() + nested.field('city').val(); }
function twoStatements(record, nested) { var s = nested.field('city').val(); return s + '!'; }
function minus(record, nested) { return nested.field('city').val() - ' '; }
function unknownField(record, nested) { return nested.field('country').val() + ''; }
function wrongObject(record, nested) { return record.field('city').val() + ''; }
`))
	e := v.app.Entity("companies")
	var addresses *app.Field
	for _, f := range e.Fields {
		if f.Name == "addresses" {
			addresses = f
		}
	}
	templates := map[string]bool{
		"addressLabel": true, "cityOnly": true, "prefixed": true, "twoValues": true, "grouped": true, "byName": true,
		"otherName": true, "readsRecord": false, "twoStatements": false, "minus": false, "unknownField": false, "wrongObject": false,
	}
	items := []record.Values{
		{"state": "NV", "zipCode": "89145", "city": "Las Vegas", "addressLine": "1 Main St"},
		{},
		{"state": "NV"},
		{"city": "Ünïcode 😀", "zipCode": ""},
		{"state": "", "city": ""},
		{"state": 5, "city": "x"}, // not what a text field holds: JavaScript decides
	}
	for fn, isTemplate := range templates {
		for _, item := range items {
			tmpl, got, ok, js, err := v.e.NestedLabels(context.Background(), dev, e, "js/"+fn, addresses, item)
			if got != isTemplate {
				t.Fatalf("%s is a template: %v, want %v", fn, got, isTemplate)
			}
			if err != nil && isTemplate {
				t.Fatalf("%s(%v): %v", fn, item, err)
			}
			if ok && tmpl != js {
				t.Errorf("%s(%v) = %q as a template, %q in JavaScript", fn, item, tmpl, js)
			}
		}
	}
	// the demo's label: "<state> - <zipCode>"
	if tmpl, _, ok, _, _ := v.e.NestedLabels(context.Background(), dev, e, "js/addressLabel", addresses, items[0]); !ok || tmpl != "NV - 89145" {
		t.Errorf("addressLabel = %q, %v", tmpl, ok)
	}
}

// A file whose top level does more than declare functions may rebind a
// function's name: its functions run in JavaScript.
func TestNestedLabelTemplateNeedsPlainFile(t *testing.T) {
	v := newEnv(t, demoWith(t, "model/entities/companies.js", `
var addressLabel2 = addressLabel;
`))
	e := v.app.Entity("companies")
	for _, f := range e.Fields {
		if f.Name != "addresses" {
			continue
		}
		tmpl, isTemplate, _, js, err := v.e.NestedLabels(context.Background(), dev, e, "js/addressLabel", f, record.Values{"state": "NV", "zipCode": "1"})
		if err != nil || isTemplate || js != "NV - 1" {
			t.Errorf("template %v %q, JavaScript %q, %v", isTemplate, tmpl, js, err)
		}
	}
}
