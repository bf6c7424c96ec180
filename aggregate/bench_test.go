package aggregate

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// benchDocs are n companies as decoded documents.
func benchDocs(n int) []Doc {
	states := []string{"active", "pending", "inactive"}
	out := make([]Doc, n)
	for i := range out {
		out[i] = Doc{"id": fmt.Sprintf("%024x", i), "version": json.Number("0"), "label": fmt.Sprintf("c%06d", i),
			"name": fmt.Sprintf("c%06d", i), "state": states[i%3], "type": []string{"a", "b"}[i%2],
			"numberOfEmployees": json.Number(fmt.Sprint(i % 1000)), "rating": fmt.Sprintf("%d.%02d", i%97, i%100)}
	}
	return out
}

// BenchmarkEval measures the evaluator alone over 100,000 documents in
// memory against streaming them through no stage (the baseline, same run):
// ns per document of each pipeline.
//
//	go test ./aggregate -run '^$' -bench Eval
func BenchmarkEval(b *testing.B) {
	a := demoApp(b)
	e := a.Entity("companies")
	docs := benchDocs(100_000)
	src := func(yield func(Doc) bool) error {
		for _, d := range docs {
			if !yield(d) {
				return nil
			}
		}
		return nil
	}
	for _, c := range []struct{ name, body string }{
		{"none", `[]`},
		{"group-sum-count", `[{"group":{"by":"state","n":"count()","emp":"sum(numberOfEmployees)","r":"sum(rating)"}}]`},
		{"match-group", `[{"match":{"type":"a"}},{"group":{"by":"state","n":"count()","emp":"sum(numberOfEmployees)"}}]`},
		{"group-avg-min-max", `[{"group":{"by":"type","a":"avg(rating)","lo":"min(name)","hi":"max(numberOfEmployees)"}}]`},
		{"sort-limit", `[{"sort":{"numberOfEmployees":"desc","name":"asc"}},{"limit":10}]`},
		{"sort", `[{"sort":{"numberOfEmployees":"desc","name":"asc"}},{"count":"n"}]`},
		{"project-count", `[{"project":"name,state"},{"count":"n"}]`},
	} {
		p, err := Parse(a, e, []byte(c.body))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				if err := Eval(context.Background(), p.Stages, src, Env{})(func(Doc) bool { return true }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(docs)), "ns/doc")
		})
	}
}
