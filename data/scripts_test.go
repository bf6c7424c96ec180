package data

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"runway/app"
	"runway/apperr"
	"runway/record"
)

// orderScripts answers the script work of saving an order of the shop
// app (app/testdata/shop, orders.js) in Go, logging each call, so a test
// sees what the service asks in which order and what it does with the
// answers.
type orderScripts struct {
	v     record.Values // the record as the save builds it
	calls *[]string
	fail  string // a ref that throws
}

func (o orderScripts) log(format string, args ...any) {
	*o.calls = append(*o.calls, fmt.Sprintf(format, args...))
}

func (o orderScripts) err(ref string) error {
	if ref == o.fail {
		return apperr.New(apperr.BadRequest, "thrown by %s", ref)
	}
	return nil
}

func (o orderScripts) Value(ref string, f *app.Field, item record.Values) (any, error) {
	o.log("value %s %s", ref, itemName(item))
	switch ref {
	case "js/codeDefault":
		return "ORD-" + o.v["number"].(string), o.err(ref)
	case "js/qtyDefault":
		return 2, o.err(ref)
	case "js/addedByDefault":
		return "clerk", o.err(ref)
	case "js/lineSubtotal":
		if item["price"] == nil {
			return nil, nil
		}
		return fmt.Sprintf("%v", toInt64(item["qty"])*toInt64(item["price"])), o.err(ref)
	case "js/taxCalculation":
		if o.v["note"] == "bad tax" {
			return "lots", nil
		}
		return "1.5", o.err(ref)
	}
	return nil, fmt.Errorf("unexpected %s", ref)
}

func (o orderScripts) Required(ref string, f *app.Field, item record.Values) (bool, error) {
	o.log("required %s", ref)
	return o.v["note"] == "urgent", o.err(ref)
}

func (o orderScripts) Validate(ref string, f *app.Field, item record.Values, value any) (*ScriptProblem, error) {
	o.log("validate %s %v", ref, value)
	if s, _ := value.(string); strings.Contains(s, " ") {
		return &ScriptProblem{Message: "No spaces"}, o.err(ref)
	}
	return nil, o.err(ref)
}

func (o orderScripts) RecordValidations(ref string) ([]ScriptProblem, error) {
	o.log("recordValidations %s", ref)
	if o.v["note"] == "check" {
		return []ScriptProblem{{Path: "lines[1].price", Code: apperr.FieldOutOfRange, Message: "Too cheap"}, {Path: "number"}}, nil
	}
	return nil, o.err(ref)
}

func (o orderScripts) NestedLabel(ref string, f *app.Field, item record.Values) (string, error) {
	o.log("nestedLabel %s %s", ref, itemName(item))
	return fmt.Sprintf("%v × %v", item["qty"], item["product"]), o.err(ref)
}

func (o orderScripts) Label(ref string) (string, error) {
	o.log("label %s", ref)
	return fmt.Sprintf("%v (%v)", o.v["number"], o.v["status"]), o.err(ref)
}

func (o orderScripts) Precondition(string) (bool, error) {
	return false, fmt.Errorf("unexpected precondition")
}
func (o orderScripts) Condition(*app.Script, string) (bool, error) {
	return false, fmt.Errorf("unexpected condition")
}
func (o orderScripts) End() { o.log("end") }

func itemName(item record.Values) string {
	if item == nil {
		return "record"
	}
	return fmt.Sprint(item["product"])
}

// shopWithScripts serves the shop app with orderScripts for its scripts.
func shopWithScripts(t *testing.T) (*bundle, *[]string, *string) {
	b := setup(t, os.DirFS("../app/testdata/shop"))
	calls, fail := new([]string), new(string)
	b.with(func(o *Options) {
		o.Scripts = &standIn{record: func(v record.Values) RecordScripts {
			return orderScripts{v: v, calls: calls, fail: *fail}
		}}
	})
	return b, calls, fail
}

// The save pipeline of app-model.md §1.4: defaults (of the new nested
// items, then of the record) once the record is built, calculations
// (record, then items), then the checks, the nested labels, record
// validations and the label.
func TestFieldScriptsRunInThePipelineOrder(t *testing.T) {
	b, calls, _ := shopWithScripts(t)
	got := b.ok(b.svc.Create(b.ctx, b.dev, b.entity("orders"), obj{"number": "7", "amount": 10, "email": "a@b.test",
		"tags":  []any{"x", "y"},
		"lines": []any{obj{"product": "bolt", "price": 3}, obj{"product": "nut", "qty": 5}}}))
	want := []string{
		"value js/qtyDefault bolt", "value js/addedByDefault bolt", "value js/addedByDefault nut", "value js/codeDefault record",
		"value js/taxCalculation record", "value js/lineSubtotal bolt", "value js/lineSubtotal nut",
		"required js/priorityRequired", "validate js/validateEmail a@b.test", "validate js/validateTag x", "validate js/validateTag y",
		"nestedLabel js/lineLabel bolt", "nestedLabel js/lineLabel nut",
		"recordValidations js/checkOrder", "label js/orderLabel", "end",
	}
	if strings.Join(*calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(*calls, "\n"), strings.Join(want, "\n"))
	}
	lines := got["lines"].([]any)
	bolt, nut := lines[0].(obj), lines[1].(obj)
	if got["code"] != "ORD-7" || got["tax"] != 1.5 || got["label"] != "7 (open)" {
		t.Errorf("order: code %v tax %v label %v", got["code"], got["tax"], got["label"])
	}
	if bolt["qty"] != 2.0 || bolt["subtotal"] != 6.0 || bolt["addedBy"] != "clerk" || bolt["label"] != "2 × bolt" {
		t.Errorf("bolt %v", bolt)
	}
	if nut["qty"] != 5.0 || nut["subtotal"] != nil || nut["label"] != "5 × nut" {
		t.Errorf("nut %v", nut)
	}

	// On update, defaults are for new items only; calculations run again.
	*calls = nil
	b.ok(b.svc.Update(b.ctx, b.dev, b.entity("orders"), got["id"].(string), obj{"lines": []any{obj{"id": bolt["id"], "price": 4}}}))
	if strings.Join(*calls, ",") != "value js/taxCalculation record,value js/lineSubtotal bolt,required js/priorityRequired,"+
		"validate js/validateEmail a@b.test,validate js/validateTag x,validate js/validateTag y,nestedLabel js/lineLabel bolt,"+
		"recordValidations js/checkOrder,label js/orderLabel,end" {
		t.Errorf("update calls %v", *calls)
	}
}

func TestFieldScriptAnswersBecomeFieldErrors(t *testing.T) {
	b, calls, fail := shopWithScripts(t)
	orders := b.entity("orders")
	create := func(in obj) error {
		_, err := b.svc.Create(b.ctx, b.dev, orders, in)
		return err
	}
	lines := []any{obj{"product": "bolt"}, obj{"product": "nut", "price": 1}}

	// A calculated value is converted like input, at its path.
	errs := wantFields(t, create(obj{"number": "1", "note": "bad tax"}), "tax invalid")
	if errs[0].AdditionalInfo["rejectedValue"] != "lots" {
		t.Errorf("rejected %v", errs[0].AdditionalInfo)
	}
	// Required scripts and validation scripts, with their paths; record
	// validations only run when every field is valid.
	*calls = nil
	errs = wantFields(t, create(obj{"number": "1", "note": "urgent", "tags": []any{"ok", "not ok"}, "lines": lines}),
		"priority required", "tags[1] invalid")
	if errs[1].Message != "No spaces" || *errs[1].FieldLabel != "Tags" {
		t.Errorf("validation %+v", errs[1])
	}
	for _, c := range *calls {
		if strings.HasPrefix(c, "recordValidations") || strings.HasPrefix(c, "label") {
			t.Errorf("%s ran on an invalid record", c)
		}
	}
	errs = wantFields(t, create(obj{"number": "1", "note": "check", "lines": lines}), "lines[1].price outOfRange", "number invalid")
	if *errs[0].FieldLabel != "Price" || errs[0].Message != "Too cheap" || errs[1].Message != "Not valid" {
		t.Errorf("record validations %+v", errs)
	}
	// A script that throws fails the save with its error.
	for _, ref := range []string{"js/qtyDefault", "js/lineSubtotal", "js/validateTag", "js/lineLabel", "js/orderLabel", "js/priorityRequired", "js/checkOrder"} {
		*fail = ref
		err := create(obj{"number": "1", "tags": []any{"t"}, "lines": lines})
		if ae := wantCode(t, err, apperr.BadRequest); ae.Message != "thrown by "+ref {
			t.Errorf("%s: %q", ref, ae.Message)
		}
	}
	*fail = ""
	if n := b.mustList(b.dev, "orders", "").total; n != 0 {
		t.Errorf("%d orders stored by failed saves", n)
	}
}

func TestScriptRefOf(t *testing.T) {
	for raw, want := range map[string]string{
		``: "", `"always"`: "", `"js/"`: "", `"js/isRequired"`: "js/isRequired",
		`"js\/isRequired"`: "js/isRequired", `"j\u0073/f"`: "js/f", `{"field": "js/x"}`: "", `true`: "",
	} {
		if got := scriptRefOf(json.RawMessage(raw)); got != want {
			t.Errorf("scriptRefOf(%s) = %q, want %q", raw, got, want)
		}
	}
}
