package script_test

import (
	"context"
	"fmt"
	"testing"

	"runway/apperr"
	"runway/script"
)

// The save pipeline's script logic (app-model.md §1.4) through the data
// service: defaults, calculations, required, labels, validations.
func TestFieldLogic(t *testing.T) {
	v := shop(t)
	ctx := context.Background()
	orders := v.app.Entity("orders")
	doc, err := v.d.Create(ctx, dev, orders, map[string]any{"number": "F1", "amount": 50, "tax": 999, "code": "",
		"lines": []any{map[string]any{"product": "pen", "price": 2}, map[string]any{"product": "ink", "qty": 3, "price": 5}}})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, string(doc))
	check := func(m map[string]any, want map[string]string) {
		t.Helper()
		for k, w := range want {
			if got := fmt.Sprint(at(m, k)); got != w {
				t.Errorf("%s = %s, want %s (%s)", k, got, w, js(m))
			}
		}
	}
	check(m, map[string]string{
		"label": "F1 (open)", "tax": "5", "code": "ORD-F1", "status": "open",
		"lines.0.qty": "1", "lines.0.subtotal": "2", "lines.0.label": "1 × pen", "lines.0.addedBy": "dev@example.org on F1",
		"lines.1.qty": "3", "lines.1.subtotal": "15", "lines.1.label": "3 × ink",
	})
	id := m["id"].(string)
	// Calculations run on every save; a client write to them is dropped;
	// defaults apply to new nested items on update (§8 Q33), not old ones.
	doc, err = v.d.Update(ctx, dev, orders, id, map[string]any{"amount": 70, "tax": 1, "status": "closed",
		"lines": []any{map[string]any{"id": at(m, "lines.1.id"), "qty": 4}, map[string]any{"product": "pad", "price": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	m = decode(t, string(doc))
	check(m, map[string]string{
		"label": "F1 (closed)", "tax": "7", "code": "ORD-F1",
		"lines.0.product": "ink", "lines.0.qty": "4", "lines.0.subtotal": "20", "lines.0.label": "4 × ink",
		"lines.1.qty": "1", "lines.1.label": "1 × pad", "lines.1.addedBy": "dev@example.org on F1",
	})
	// An existing item emptied does not get the default again.
	doc, err = v.d.Update(ctx, dev, orders, id, map[string]any{"lines": []any{map[string]any{"id": at(m, "lines.0.id"), "qty": nil}}})
	if err != nil {
		t.Fatal(err)
	}
	if q := at(decode(t, string(doc)), "lines.0.qty"); q != nil {
		t.Errorf("an existing item got the default again: qty %v", q)
	}
	// required by a script, field validations (per value), record validations.
	_, err = v.d.Create(ctx, dev, orders, map[string]any{"number": "F2", "amount": 5000, "email": "a@b.com",
		"tags": []any{"ok", "not ok"}})
	fe := fieldErrs(err)
	if fe["priority"] != "required" || fe["email"] != "invalid" || fe["tags[1]"] != "invalid" || len(fe) != 3 {
		t.Errorf("errors: %v (%v)", fe, err)
	}
	if ae := apperr.As(err); ae != nil {
		for _, e := range ae.Errors {
			if e.Field == "email" && e.Message != "Use a .test address" {
				t.Errorf("validation message %q", e.Message)
			}
		}
	}
	if _, err := v.d.Create(ctx, dev, orders, map[string]any{"number": "F3", "amount": 5000, "priority": 1, "email": "a@b.test",
		"tags": []any{"ok"}}); err != nil {
		t.Errorf("valid: %v", err)
	}
	_, err = v.d.Create(ctx, dev, orders, map[string]any{"number": "F4", "amount": -1})
	if fe := fieldErrs(err); fe["amount"] != "invalid" || len(fe) != 1 {
		t.Errorf("record validation: %v", err)
	}
	// A nested item's required inner field is still checked natively.
	_, err = v.d.Update(ctx, dev, orders, id, map[string]any{"lines": []any{map[string]any{"qty": 2}}})
	if fe := fieldErrs(err); fe["lines[0].product"] != "required" {
		t.Errorf("nested required: %v", err)
	}
}

// An entity without script logic takes no runtime from the pool.
func TestFieldLogicFastPath(t *testing.T) {
	v := newEnv(t, nil)
	ctx := context.Background()
	before := v.e.Executions()
	if _, err := v.d.Create(ctx, dev, v.app.Entity("skills"), map[string]any{"name": "Go"}); err != nil {
		t.Fatal(err)
	}
	co, err := v.d.Create(ctx, dev, v.app.Entity("companies"), map[string]any{"name": "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if n := v.e.Executions() - before; n != 0 {
		t.Errorf("%d executions for entities whose scripts did not need to run", n)
	}
	// Demo: an address item labelled by its script; a contact's fullName
	// calculated and used as the label.
	co, err = v.d.Update(ctx, dev, v.app.Entity("companies"), decode(t, string(co))["id"].(string),
		map[string]any{"addresses": []any{map[string]any{"state": "NV", "zipCode": "89145", "city": "Las Vegas"}}})
	if err != nil {
		t.Fatal(err)
	}
	if l := at(decode(t, string(co)), "addresses.0.label"); l != "NV - 89145" {
		t.Errorf("address label %v", l)
	}
	// addressLabel only joins inner values: evaluated without a runtime
	// (labeltemplate.go).
	if n := v.e.Executions() - before; n != 0 {
		t.Errorf("%d executions for one save with a template nested label", n)
	}
	c, err := v.d.Create(ctx, dev, v.app.Entity("contacts"), map[string]any{"firstName": "Ana", "lastName": "Lima",
		"company": decode(t, string(co))["id"]})
	if err != nil {
		t.Fatal(err)
	}
	if m := decode(t, string(c)); m["fullName"] != "Ana Lima" || m["label"] != "Ana Lima" {
		t.Errorf("contact: %s", c)
	}
}

func TestToArrayLimit(t *testing.T) {
	v := shop(t)
	defer script.SetMaxToArray(2)()
	for i := 0; i < 3; i++ {
		if _, err := v.d.Create(context.Background(), dev, v.app.Entity("customers"), map[string]any{"name": fmt.Sprint("c", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := v.mustEval(`try { sys.data.find('customers', {}).toArray(); } catch (e) { return sys.exceptions.getCode(e); }`); got != `"systemException"` {
		t.Errorf("toArray past the limit: %s", got)
	}
	if got := v.mustEval(`return sys.data.find('customers', {_size: 2}).toArray().length;`); got != "2" {
		t.Errorf("toArray within: %s", got)
	}
}

func fieldErrs(err error) map[string]string {
	out := map[string]string{}
	if ae := apperr.As(err); ae != nil {
		for _, e := range ae.Errors {
			out[e.Field] = e.Code
		}
	}
	return out
}

// at reads a dotted path ("lines.0.qty") of decoded JSON.
func at(v any, path string) any {
	cur := v
	for _, p := range splitDots(path) {
		switch x := cur.(type) {
		case map[string]any:
			cur = x[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				return nil
			}
			cur = x[i]
		default:
			return nil
		}
	}
	return cur
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func js(v any) string { return fmt.Sprintf("%v", v) }
