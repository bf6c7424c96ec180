package openapi

import (
	"encoding/json"
	"testing"
)

func TestNullable(t *testing.T) {
	for _, c := range []struct {
		in   *Schema
		want string
	}{
		{Type("string"), `{"type":["string","null"]}`},
		{&Schema{Type: "string", Enum: []any{"a"}}, `{"type":["string","null"],"enum":["a",null]}`},
		{Ref("x"), `{"anyOf":[{"$ref":"#/components/schemas/x"},{"type":"null"}]}`},
		{AnyOf(Type("integer"), Type("string")), `{"anyOf":[{"anyOf":[{"type":"integer"},{"type":"string"}]},{"type":"null"}]}`},
	} {
		b, err := json.Marshal(Nullable(c.in))
		if err != nil || string(b) != c.want {
			t.Errorf("Nullable: %s %v, want %s", b, err, c.want)
		}
	}
}

// Properties keep the order of the app definition.
func TestPropertiesOrder(t *testing.T) {
	b, err := json.Marshal(Object(Prop("zeta", Type("string")), Prop("alpha", Type("integer"))))
	want := `{"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"type":"integer"}},"additionalProperties":false}`
	if err != nil || string(b) != want {
		t.Errorf("got %s %v, want %s", b, err, want)
	}
}

func TestAddTwice(t *testing.T) {
	d := &Document{Paths: map[string]*PathItem{}}
	if err := d.Add("GET", "/a", &Operation{OperationID: "one"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Add("GET", "/a", &Operation{OperationID: "two"}); err == nil {
		t.Error("a path and method described twice")
	}
	if err := d.Add("PATCH", "/a", &Operation{OperationID: "three"}); err == nil {
		t.Error("PATCH accepted")
	}
	if ops := d.Paths["/a"].Operations(); len(ops) != 1 || ops["GET"].OperationID != "one" {
		t.Errorf("operations %v", ops)
	}
}
