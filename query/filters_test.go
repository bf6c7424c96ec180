package query

import (
	"slices"
	"strings"
	"testing"
)

// TestFilterPaths checks the list the OpenAPI document is built from
// against the parser: every listed path parses, every listed operator is
// accepted on it, and every other operator is refused as unsupported.
func TestFilterPaths(t *testing.T) {
	a, e := kitchen(t)
	// arguments of the right number, so only the operator can be refused
	arity := map[Op]string{Between: "1,2", Near: "1,2", Empty: "", NotEmpty: ""}
	for _, op := range []Op{Equals, NotEquals, Like, Greater, GreaterOrEquals, Less, LessOrEquals} {
		arity[op] = "1"
	}
	paths := FilterPaths(e)
	seen := map[string]bool{}
	for _, fp := range paths {
		seen[fp.Path] = true
		if len(fp.Ops) == 0 {
			t.Errorf("%s: no operator", fp.Path)
		}
		for _, op := range Ops {
			_, err := ParseFilter(a, e, fp.Path, string(op)+"("+arity[op]+")")
			if err != nil && strings.Contains(err.Error(), "unknown field") {
				t.Fatalf("%s: listed but unknown to the parser: %v", fp.Path, err)
			}
			refused := err != nil && (strings.Contains(err.Error(), "not supported") || strings.Contains(err.Error(), "near needs"))
			if listed := slices.Contains(fp.Ops, op); listed == refused {
				t.Errorf("%s %s: listed %v, parser refuses it as unsupported %v (%v)", fp.Path, op, listed, refused, err)
			}
		}
	}
	for _, p := range []string{"id", "text", "nestedFields.inner", "items.supplier", "items.supplier.id", "items.supplier.label",
		"owner.label", "fileUpload.id", "group.id", "group.label", "geoPoint", "address.zip"} {
		if !seen[p] {
			t.Errorf("filter path %s is not listed", p)
		}
	}
	for _, fp := range paths {
		if fp.Path == "geoPoint" && !slices.Equal(fp.Ops, []Op{Near}) {
			t.Errorf("geoPoint operators %v, want near only", fp.Ops)
		}
	}
}
