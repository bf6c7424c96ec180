package script_test

import (
	"os"
	"testing"

	"runway/apperr"
)

// No text a script makes holds a NUL once stored (issue 10 item 4): a
// default, calculated value or label script's NUL is the field's invalid
// error, as in a REST write; val() with one gives null, as for any value
// its type cannot read (app-model.md §2).
func TestScriptSaveRefusesNUL(t *testing.T) {
	fsys := copyApp(t, os.DirFS("../app/testdata/shop"))
	// scripts that add a NUL for chosen names (a later declaration wins)
	for p, src := range map[string]string{
		"model/entities/customers.js": `
function customerLabel(record) {
    var n = record.field('name').val();
    return n === 'nul' ? n + String.fromCharCode(0) : n;
}`,
		"model/entities/orders.js": `
function codeDefault(record) {
    return record.field('number').val() === 'nul' ? 'C' + String.fromCharCode(0) : 'C';
}
function lineLabel(record, nested) {
    return nested.field('product').val() + String.fromCharCode(0);
}`,
	} {
		fsys[p].Data = append(fsys[p].Data, []byte(src)...)
	}
	v := newEnv(t, fsys)
	for src, want := range map[string]string{
		`var c = sys.data.createRecord('customers'); c.field('name').val('nul'); sys.data.save(c);`: "label invalid",
		`var o = sys.data.createRecord('orders'); o.field('number').val('nul'); sys.data.save(o);`:  "code invalid",
		`var o = sys.data.createRecord('orders'); o.field('number').val('N1');
		 o.field('lines').val([{product: 'p'}]); sys.data.save(o);`: "lines[0].label invalid",
		`var c = sys.data.createRecord('customers'); c.field('name').val('A' + String.fromCharCode(0)); sys.data.save(c);`: "name required",
	} {
		_, err := v.eval(src)
		e := apperr.As(err)
		if e == nil || e.Code != apperr.ValidationErrors || len(e.Errors) != 1 || e.Errors[0].Field+" "+e.Errors[0].Code != want {
			t.Errorf("%s: %v, want %s", src, err, want)
		}
	}
	if n := v.mustEval(`return sys.data.count('customers', {}) + sys.data.count('orders', {});`); n != "0" {
		t.Errorf("%s records stored", n)
	}
}
