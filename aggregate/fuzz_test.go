package aggregate

import (
	"testing"

	"runway/apperr"
)

// FuzzParse: no body makes the parser (or the evaluator, over the demo
// fixtures) panic, and every error is a badRequest.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`[{"match":{"state":"active"}},{"group":{"by":"state","n":"count()","s":"sum(numberOfEmployees)"}},{"sort":{"n":"desc"}},{"limit":5}]`,
		`{"match":{"_or":{"name":"like(a)","numberOfEmployees":"between(1,5)"}},"count":"c"}`,
		`[{"unwind":{"fieldPath":"addresses","includeEmpty":true}},{"project":"name,addresses.city"},{"skip":1}]`,
		`[{"lookup":{"localFieldPath":"id","foreignFieldPath":"company","foreignEntityName":"contacts","as":"p"}},{"unwind":{"fieldPath":"p"}}]`,
		`[{"group":{"by":"type,isCustomer","a":"avg(rating)","f":"first(name)","l":"last(name)","m":"min(lastMeeting)","x":"max(name)"}}]`,
		`[{"geoNear":{"coordinates":{"latitude":1,"longitude":2},"distanceField":"d"}}]`,
		`[{"sort":{"contactInformation.email":"asc"}}]`, `[]`, `{}`, `[{}]`, `"x"`, `[{"count":"n"},{"count":"m"},{"match":{"n":1}}]`,
	} {
		f.Add([]byte(s))
	}
	a, w := demoApp(f), demoWorld(f)
	e := a.Entity("companies")
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Parse(a, e, body)
		if err != nil {
			if !apperr.Is(err, apperr.BadRequest) {
				t.Fatalf("%q: %v is not a badRequest", body, err)
			}
			return
		}
		if _, err := run(t, a, w, "companies", string(body), 50); err != nil && !apperr.Is(err, apperr.BadRequest) {
			t.Fatalf("%q: evaluating: %v", body, err)
		}
		_ = p
	})
}
