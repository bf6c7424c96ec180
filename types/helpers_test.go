package types

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func num(s string) json.Number { return json.Number(s) }

// rules parses typeRules for a test, failing the test on error.
func rules(t testing.TB, kind, raw string) *Rules {
	t.Helper()
	r, err := ParseRules(kind, json.RawMessage(raw))
	if err != nil {
		t.Fatalf("ParseRules(%s, %s): %v", kind, raw, err)
	}
	return r
}

// decodeUseNumber decodes like the REST layer: numbers as json.Number.
func decodeUseNumber(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// assertResult compares a value/problem pair with the expectation: code ""
// means success with want; otherwise a Problem with that code.
func assertResult(t *testing.T, got any, p *Problem, want any, code string) {
	t.Helper()
	if code != "" {
		if p == nil {
			t.Fatalf("want problem %q, got value %#v", code, got)
		}
		if p.Code != code {
			t.Fatalf("want code %q, got %q (%s)", code, p.Code, p.Message)
		}
		if p.Message == "" {
			t.Fatalf("problem %q without message", p.Code)
		}
		if _, ok := p.Info["rejectedValue"]; !ok {
			t.Fatalf("problem %q without rejectedValue: %#v", p.Code, p.Info)
		}
		return
	}
	if p != nil {
		t.Fatalf("unexpected problem %s: %s (%v)", p.Code, p.Message, p.Info)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v (%T), want %#v (%T)", got, got, want, want)
	}
}
