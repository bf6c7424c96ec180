package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"runway/aggregate"
	"runway/app"
	"runway/query"
	"runway/record"
	"runway/store"
)

// aggregateFields are the paths of things a random pipeline groups by and
// accumulates: every scalar type, relationship / group / file sub-paths,
// bare relationships, groups and files (grouped by id, answered
// {id, label}), nested single fields.
var (
	aggBy = []string{"choice", "boolean", "integer", "decimal", "money", "percentage", "bigNumber", "text", "email",
		"date", "dateTime", "duration", "owner", "owner.id", "owner.label", "relationship", "group", "fileUpload",
		"address.zip", "nestedFields.inner", "dynamicChoice.selectedValue", "defaultStatus", "time", "rank"}
	aggNumbers = []string{"integer", "decimal", "money", "percentage", "bigNumber", "autoIncrement", "duration", "age",
		"price", "ratio", "nestedFields.count", "dateTime"}
	aggValues = []string{"text", "choice", "boolean", "integer", "decimal", "money", "bigNumber", "date", "email",
		"owner.label", "owner", "address.street", "fileUpload", "geoPoint", "dynamicChoice", "time", "color",
		"tags", "items", "address"}
	aggSorts       = []string{"integer", "text", "decimal", "date", "choice", "boolean", "bigNumber", "owner.label"}
	aggProjectable = []string{"choice", "boolean", "integer", "decimal", "money", "percentage", "bigNumber", "text", "email",
		"date", "dateTime", "duration", "owner", "relationship", "group", "fileUpload", "address", "nestedFields",
		"dynamicChoice", "defaultStatus", "time", "rank", "autoIncrement", "age", "price", "ratio", "geoPoint", "color",
		"tags", "items", "friends"}
	aggMatches = []string{`{"choice":"a"}`, `{"integer":"greater(0)"}`, `{"boolean":true}`, `{"owner":"Alice,Bob"}`,
		`{"decimal":"between(0,3)"}`, `{"_or":{"choice":"b","money":0}}`, `{"tags":"red"}`, `{"text":"like(solar)"}`,
		`{"bigNumber":"greater(10)"}`, `{"owner.id":"000000000000000000000064"}`, `{"email":"info@acme.com"}`,
		`{"items.name":"bolt"}`, `{"label":"Thing 7,Thing 8,Thing 9"}`, `{"id":"notEmpty()"}`}
)

// randomPipeline is a pipeline over things: leading matches, then mostly a
// group (or a count), then stages the planner leaves to Go.
func randomPipeline(r *rand.Rand) string {
	var stages []string
	for k := r.IntN(3); k > 0; k-- {
		stages = append(stages, `{"match":`+pick(r, aggMatches)+`}`)
	}
	// stages the statement folds in (skip, limit: a window of the records
	// in id order) or leaves out (a sort nothing after depends on, a
	// project keeping what is read after it)
	if r.IntN(2) == 0 {
		for k := 1 + r.IntN(3); k > 0; k-- {
			switch r.IntN(4) {
			case 0:
				stages = append(stages, fmt.Sprintf(`{"skip":%d}`, r.IntN(40)))
			case 1:
				stages = append(stages, fmt.Sprintf(`{"limit":%d}`, 1+r.IntN(100)))
			case 2:
				stages = append(stages, fmt.Sprintf(`{"sort":{%q:%q}}`, pick(r, aggSorts), pick(r, []string{"asc", "desc"})))
			default:
				var keep []string
				for _, f := range aggProjectable {
					if r.IntN(8) != 0 {
						keep = append(keep, f)
					}
				}
				stages = append(stages, `{"project":"`+strings.Join(keep, ",")+`"}`)
			}
		}
	}
	switch r.IntN(12) {
	case 10, 11:
		// a lookup of the owner / relationship (people) unwound, then a
		// group on the looked-up fields (or a count): one join in SQL
		if r.IntN(3) == 0 {
			stages = append(stages, `{"sort":{"integer":"desc"}}`)
		}
		local := pick(r, []string{"owner", "relationship", "owner.id"})
		stages = append(stages, fmt.Sprintf(`{"lookup":{"localFieldPath":%q,"foreignFieldPath":"id","foreignEntityName":"people","as":"p"}}`, local),
			fmt.Sprintf(`{"unwind":{"fieldPath":"p","includeEmpty":%v}}`, r.IntN(2) == 0))
		if r.IntN(6) == 0 {
			stages = append(stages, `{"count":"n"}`)
			break
		}
		stages = append(stages, randomGroup(r, []string{"p.name", "p.email", "p.id", "choice", "owner", "p.balance", "p"},
			[]string{"p.balance", "integer", "money"}, []string{"p.name", "p.email", "p.balance", "text", "integer", "p.id", "p"}, 4)...)
	case 0:
		stages = append(stages, `{"count":"n"}`)
	case 1:
		if r.IntN(2) == 0 {
			stages = append(stages, `{"sort":{"integer":"desc"}}`)
		} // else first and last are read from their records after grouping
		by, names := "choice", []string{"choice", "f", "l"}
		if r.IntN(2) == 0 {
			by = pick(r, []string{"owner", "relationship", "fileUpload"})
			natural := map[string]string{"owner": "owner.label", "relationship": "relationship.label", "fileUpload": "fileUpload.name"}[by]
			names = []string{by + ".id", natural, natural, "f", "l"}
		}
		stages = append(stages, fmt.Sprintf(`{"group":{"by":%q,"f":"first(text)","l":"last(integer)"}}`, by))
		stages = append(stages, randomTail(r, names)...)
	case 2:
		stages = append(stages, `{"unwind":{"fieldPath":"tags"}}`, `{"count":"n"}`)
	case 3:
		// a window of records (store.Aggregator.PlanRecords), the rest in Go
		if r.IntN(10) < 7 {
			stages = append(stages, fmt.Sprintf(`{"sort":{%q:%q}}`, pick(r, aggSorts), pick(r, []string{"asc", "desc"})))
		}
		if r.IntN(2) == 0 {
			stages = append(stages, fmt.Sprintf(`{"skip":%d}`, r.IntN(40)))
		}
		stages = append(stages, fmt.Sprintf(`{"limit":%d}`, 1+r.IntN(60)))
		if r.IntN(2) == 0 {
			stages = append(stages, `{"project":"text,integer,owner"}`)
		}
	default:
		byPool, numbers, values := aggBy, aggNumbers, aggValues
		if r.IntN(4) == 0 {
			// a lookup nothing unwinds: the group cannot read its array
			// (the statement leaves it out), its member may shadow a field
			stages = append(stages, fmt.Sprintf(`{"lookup":{"localFieldPath":%q,"foreignFieldPath":"id","foreignEntityName":"people","as":%q}}`,
				pick(r, []string{"owner", "relationship", "owner.id", "id"}), pick(r, []string{"p", "p", "tags", "money"})))
		}
		if r.IntN(3) == 0 {
			// an unwind first: group by and accumulate its elements too
			u := pick(r, []string{"tags", "items", "friends"})
			stages = append(stages, fmt.Sprintf(`{"unwind":{"fieldPath":%q,"includeEmpty":%v}}`, u, r.IntN(2) == 0))
			elems := map[string][]string{"tags": {"tags"}, "items": {"items.name", "items.qty"}, "friends": {"friends", "friends.label"}}[u]
			byPool = append(append([]string(nil), aggBy...), elems...)
			values = append(append([]string(nil), aggValues[:len(aggValues)-3]...), elems...)
			if u == "items" {
				numbers = append(append([]string(nil), aggNumbers...), "items.qty")
			}
		}
		stages = append(stages, randomGroup(r, byPool, numbers, values, 5)...)
	}
	if r.IntN(3) == 0 {
		stages = append(stages, `{"limit":3}`)
	}
	return "[" + strings.Join(stages, ",") + "]"
}

// randomGroup is a random group stage — up to two by paths, up to accs
// accumulators (sum and avg over numbers, the others over values) — and
// half the time random stages after it over its documents (randomTail).
func randomGroup(r *rand.Rand, by, numbers, values []string, accs int) []string {
	var members, names []string
	if n := r.IntN(3); n > 0 {
		// distinct, in the order drawn (the same pipelines every run)
		var list []string
		for range n {
			if k := pick(r, by); !slices.Contains(list, k) {
				list = append(list, k)
			}
		}
		for _, k := range list {
			names = append(names, k)
			if identityKeys[k] {
				natural := ".label"
				if k == "fileUpload" {
					natural = ".name"
				}
				names = append(names, k+".id", k+natural)
			}
		}
		members = append(members, `"by":"`+strings.Join(list, ",")+`"`)
	}
	for i := r.IntN(accs); i >= 0; i-- {
		ops := []string{"count()", "sum(%s)", "avg(%s)", "min(%s)", "max(%s)", "first(%s)", "last(%s)"}
		op := pick(r, ops)
		arg := pick(r, values)
		if strings.HasPrefix(op, "sum") || strings.HasPrefix(op, "avg") {
			arg = pick(r, numbers)
		}
		if strings.Contains(op, "%s") {
			op = fmt.Sprintf(op, arg)
		}
		members = append(members, fmt.Sprintf(`"a%d":%q`, i, op))
		names = append(names, fmt.Sprintf("a%d", i))
	}
	group := `{"group":{` + strings.Join(members, ",") + `}}`
	if r.IntN(2) == 0 {
		return []string{group}
	}
	return append([]string{group}, randomTail(r, names)...)
}

// identityKeys are the by paths whose member is {id, label} (or {id,
// name}): a sort reads their id (the group key) or their label.
var identityKeys = map[string]bool{"owner": true, "relationship": true, "group": true, "fileUpload": true,
	"t.owner": true, "friends": true}

// randomTail is random stages over the documents of a group with the
// members names: sorts by one or two of them, skips, limits, projects, a
// count.
func randomTail(r *rand.Rand, names []string) []string {
	var out []string
	if r.IntN(2) == 0 {
		out = append(out, randomHaving(r, names)) // a match of the groups first
	}
	if r.IntN(4) == 0 {
		// a sort of a window of the groups (a select over the window)
		out = append(out, fmt.Sprintf(`{"sort":{%q:"desc"}}`, pick(r, names)), fmt.Sprintf(`{"limit":%d}`, 2+r.IntN(6)),
			fmt.Sprintf(`{"sort":{%q:%q}}`, pick(r, names), pick(r, []string{"asc", "desc"})))
	}
	for k := 1 + r.IntN(4); k > 0; k-- {
		switch r.IntN(8) {
		case 6, 7:
			out = append(out, randomHaving(r, names))
		case 0, 1, 2:
			var keys []string
			for j := 1 + r.IntN(2); j > 0; j-- {
				keys = append(keys, fmt.Sprintf("%q:%q", pick(r, names), pick(r, []string{"asc", "desc"})))
			}
			out = append(out, `{"sort":{`+strings.Join(keys, ",")+`}}`)
		case 3:
			if r.IntN(2) == 0 {
				out = append(out, fmt.Sprintf(`{"skip":%d}`, r.IntN(6)))
				break
			}
			var keep []string
			for _, n := range names {
				if !strings.HasSuffix(n, ".id") && !strings.HasSuffix(n, ".label") && !strings.HasSuffix(n, ".name") && r.IntN(3) != 0 {
					keep = append(keep, n)
				}
			}
			if len(keep) > 0 {
				out = append(out, `{"project":"`+strings.Join(keep, ",")+`"}`)
			}
		case 4:
			out = append(out, fmt.Sprintf(`{"limit":%d}`, 1+r.IntN(8)))
		default:
			if r.IntN(2) == 0 {
				return append(out, `{"count":"n"}`)
			}
		}
	}
	return out
}

// havingValues are the values of random matches after a group: numbers
// (integers, decimals, big and fractional ones) and text.
var havingValues = []string{"0", "1", "2", "3", "5", "10", "42", "100", "1000", "-1", "2.5", "0.3", "1.75", "99.99",
	"9007199254740993", "1e3", "a", "b", "Alice", "true", "2024-01-01"}

// boundValue is a placeholder of randomHaving's: the value of the member
// in one of the documents the stages before the match emit
// (boundValues).
var boundValue = regexp.MustCompile(`@([A-Za-z0-9.]+)@`)

// boundValues replaces the placeholders in a match of body by the values
// of their members in a random document the stages before it emit (Go's),
// so that the matches compare values at their bounds (equal ones, sums
// that are no float); "0" where there is none.
func boundValues(ctx context.Context, r *rand.Rand, a *app.App, on *app.Entity, body string, records func(*app.Entity) []aggregate.Doc) string {
	var stages []json.RawMessage
	if !boundValue.MatchString(body) || json.Unmarshal([]byte(body), &stages) != nil {
		return body
	}
	for i, st := range stages {
		if !boundValue.Match(st) {
			continue
		}
		var docs []aggregate.Doc
		prefix, _ := json.Marshal(stages[:i])
		if p, err := aggregate.Parse(a, on, prefix); err == nil {
			docs, _ = aggregate.Reference(ctx, p, records, 0)
		}
		stages[i] = boundValue.ReplaceAllFunc(st, func(m []byte) []byte {
			// the member's values, sorted (the same choice every run)
			var values []string
			for _, d := range docs {
				var at any = d
				for _, n := range strings.Split(string(boundValue.FindSubmatch(m)[1]), ".") {
					o, _ := at.(map[string]any)
					at = o[n]
				}
				switch x := at.(type) {
				case json.Number:
					values = append(values, x.String())
				case string:
					values = append(values, x)
				case bool:
					values = append(values, fmt.Sprint(x))
				}
			}
			slices.Sort(values)
			v := "0"
			if len(values) > 0 {
				v = values[r.IntN(len(values))]
			}
			b, _ := json.Marshal(v)
			return b[1 : len(b)-1] // inside the condition's string
		})
	}
	out, _ := json.Marshal(stages)
	return string(out)
}

// randomHaving is a random match over the documents of a group with the
// members names: comparisons, equals and empty, sometimes OR-ed.
func randomHaving(r *rand.Rand, names []string) string {
	one := func() string {
		name := pick(r, names)
		v := pick(r, havingValues)
		if r.IntN(2) == 0 {
			v = "@" + name + "@" // a value of the member (boundValues)
		}
		var cond string
		switch r.IntN(9) {
		case 0:
			cond = fmt.Sprintf("%q", "greater("+v+")")
		case 1:
			cond = fmt.Sprintf("%q", "less("+v+")")
		case 2:
			cond = fmt.Sprintf("%q", "greaterOrEquals("+v+")")
		case 3:
			cond = fmt.Sprintf("%q", "lessOrEquals("+v+")")
		case 4:
			cond = fmt.Sprintf("%q", "between("+v+","+pick(r, havingValues)+")")
		case 5:
			cond = fmt.Sprintf("%q", v+","+pick(r, havingValues))
		case 6:
			cond = fmt.Sprintf("%q", "notEquals("+v+")")
		case 7:
			cond = pick(r, []string{`"empty()"`, `"notEmpty()"`, `null`})
		default:
			cond = v // a JSON literal where it is one (number, true)
			if !json.Valid([]byte(v)) {
				cond = fmt.Sprintf("%q", v)
			}
		}
		return fmt.Sprintf("%q:%s", name, cond)
	}
	if r.IntN(4) == 0 {
		return `{"match":{"_or":{` + one() + "," + one() + `}}}`
	}
	return `{"match":{` + one() + `}}`
}

// randomPeoplePipeline is a pipeline over people that looks up the things
// owning (or related to) each person, unwinds them and groups.
func randomPeoplePipeline(r *rand.Rand) string {
	var stages []string
	if r.IntN(3) == 0 {
		stages = append(stages, `{"match":{"balance":"greater(0)"}}`)
	}
	foreign := pick(r, []string{"owner", "relationship"})
	stages = append(stages, fmt.Sprintf(`{"lookup":{"localFieldPath":"id","foreignFieldPath":%q,"foreignEntityName":"things","as":"t"}}`, foreign),
		fmt.Sprintf(`{"unwind":{"fieldPath":"t","includeEmpty":%v}}`, r.IntN(2) == 0))
	if r.IntN(6) == 0 {
		stages = append(stages, `{"count":"n"}`)
	} else {
		stages = append(stages, randomGroup(r, []string{"name", "t.choice", "t.owner", "t.integer", "id"},
			[]string{"t.integer", "t.money", "balance", "t.bigNumber"}, []string{"t.text", "t.integer", "name", "t.id", "t.decimal", "t", "t.owner"}, 4)...)
	}
	return "[" + strings.Join(stages, ",") + "]"
}

// AggregateAgreesWithGo runs random pipelines over the generated things
// through the store's SQL (store.Aggregator: the prefix it plans, the rest
// in aggregate.Eval) and through the Go reference (aggregate.Reference) and
// requires the same answer, byte for byte.
func AggregateAgreesWithGo(t *testing.T, open Opener) {
	s, a, e := kitchenStore(t, open)
	ag, ok := s.(store.Aggregator)
	if !ok {
		t.Skip("the store runs no aggregate in SQL")
	}
	ctx := context.Background()
	recs := genThings(a, 120)
	rows := make([]*store.Row, len(recs))
	docs := make([]aggregate.Doc, len(recs))
	for i, r := range recs {
		doc := record.Encode(e, r.id, 1, r.label, r.values, nil)
		rows[i] = &store.Row{ID: r.id, Version: 1, Label: r.label, Doc: doc}
		d := json.NewDecoder(bytes.NewReader(doc))
		d.UseNumber()
		if err := d.Decode(&docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	Insert(t, s, e, rows...)
	// the people the things' relationships name (one named by none)
	pe := a.Entity("people")
	var people []aggregate.Doc
	for k, name := range []string{"Alice", "Bob", "carol", "Dave Müller", "Erin"} {
		id := fmt.Sprintf("%024x", 100+k)
		values := record.Values{"name": name, "email": strings.ToLower(name[:3]) + "@x.com"}
		if k != 2 {
			values["balance"] = []any{10.5, 0.0, 80000.0, -3.25}[k%4]
		}
		doc := record.Encode(pe, id, 1, name, values, nil)
		Insert(t, s, pe, &store.Row{ID: id, Version: 1, Label: name, Doc: doc})
		d := json.NewDecoder(bytes.NewReader(doc))
		d.UseNumber()
		var pd aggregate.Doc
		if err := d.Decode(&pd); err != nil {
			t.Fatal(err)
		}
		people = append(people, pd)
	}
	records := func(x *app.Entity) []aggregate.Doc {
		if x == pe {
			return people
		}
		return docs
	}
	// a read condition on the people a lookup joins (the caller's)
	rp, err := aggregate.Parse(a, pe, []byte(`[{"match":{"balance":"less(100)"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	readPeople := rp.Stages[0].(*aggregate.Match).Where
	byID := map[string]aggregate.Doc{}
	for i, r := range recs {
		byID[r.id] = docs[i]
	}
	r := rand.New(rand.NewPCG(3, 5))
	compiled, parsed, unwound, windowed, windows, joined, tails, leftOut, havings, levels, fetchedReads := 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	for i := range 1000 {
		body, on := randomPipeline(r), e
		if i%7 == 0 {
			body, on = randomPeoplePipeline(r), pe
		}
		body = boundValues(ctx, r, a, on, body, records)
		p, err := aggregate.Parse(a, on, []byte(body))
		if err != nil {
			continue // e.g. min over a type it refuses: the parser's tests cover those
		}
		parsed++
		for _, l := range p.Lookups() {
			if l.Foreign == pe && r.IntN(3) == 0 {
				l.Restrict(readPeople)
				body += " (people: balance less than 100)"
			}
		}
		want, wantErr := aggregate.Reference(ctx, p, records, 0)
		var src aggregate.Cursor
		n := ag.PlanAggregate(p)
		if n > 0 {
			src = ag.Aggregate(ctx, p, n, 0)
		} else if n = ag.PlanRecords(p); n > 0 {
			ids, err := ag.RecordIDs(ctx, p, n, 0)
			if err != nil {
				t.Errorf("%s: record ids: %v", body, err)
				continue
			}
			windows++
			src = func(yield func(aggregate.Doc) bool) error {
				for _, id := range ids {
					if !yield(byID[id]) {
						break
					}
				}
				return nil
			}
		} else {
			continue
		}
		compiled++
		_, start := p.Source()
		grouped, groupsWindowed, ordered := false, false, false
		var firstLast map[string]bool // the first / last members of the group
		for i, st := range p.Stages[start:n] {
			if grouped && !ordered && readsAny(st, firstLast) {
				fetchedReads++ // a first / last read from its record after grouping
			}
			if grouped {
				tails++ // a match, sort, skip, limit, project or count of the groups
				switch st.(type) {
				case *aggregate.Match:
					havings++
					if groupsWindowed {
						levels++
					}
				case *aggregate.Sort:
					if groupsWindowed {
						levels++
					}
				case *aggregate.Skip, *aggregate.Limit:
					groupsWindowed = true
				}
				continue
			}
			if l, ok := st.(*aggregate.Lookup); ok {
				if u, ok := p.Stages[start+i+1].(*aggregate.Unwind); !ok || u.Path.Text != l.As {
					leftOut++
				}
			}
			switch st := st.(type) {
			case *aggregate.Group:
				grouped = true
				firstLast = map[string]bool{}
				for _, a := range st.Acc {
					if a.Op == aggregate.AccFirst || a.Op == aggregate.AccLast {
						firstLast[a.Name] = true
					}
				}
				for _, by := range st.By {
					if by.Identity != nil { // its label or name, read from the group's first record
						firstLast[strings.Join(append(slices.Clone(by.Out), by.Identity[1]), ".")] = true
					}
				}
			case *aggregate.Unwind:
				ordered = true // first / last by the element's order
				unwound++
			case *aggregate.Lookup:
				joined++
			case *aggregate.Skip, *aggregate.Limit, *aggregate.Sort, *aggregate.Project:
				_, sorted := st.(*aggregate.Sort)
				ordered = ordered || sorted // first / last in the sort's order
				windowed++
			}
		}
		// a lookup after the statement joins in Go, as Reference does
		env := aggregate.Env{Lookup: func(_ context.Context, st *aggregate.Lookup, values []any) aggregate.Cursor {
			var where query.Expr = &query.Cond{Target: st.ForeignTarget, Op: query.Equals, Values: values}
			if st.Where != nil {
				where = query.And{where, st.Where}
			}
			return func(yield func(aggregate.Doc) bool) error {
				for _, d := range records(st.Foreign) {
					id, _ := d["id"].(string)
					label, _ := d[query.SysLabel].(string)
					ok, err := query.Match(where, d, id, label)
					if err != nil {
						return err
					}
					if ok && !yield(d) {
						break
					}
				}
				return nil
			}
		}}
		got, err := aggregate.Collect(aggregate.Eval(ctx, p.Stages[n:], src, env), 0)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: SQL error %v, Go error %v", body, err, wantErr)
			continue
		}
		if g, w := encodeAll(p, got), encodeAll(p, want); g != w {
			t.Errorf("%s (%d stages in SQL):\n SQL %s\n Go  %s", body, n, g, w)
		}
	}
	if compiled < parsed/3 { // PostgreSQL leaves inexact filters (like, arrays) to Go
		t.Errorf("only %d of %d pipelines ran in SQL", compiled, parsed)
	}
	if unwound == 0 {
		t.Error("no unwind ran in SQL")
	}
	if windowed == 0 {
		t.Error("no skip, limit, sort or project ran in SQL")
	}
	if windows == 0 {
		t.Error("no window of records was picked in SQL")
	}
	if joined < 40 {
		t.Errorf("only %d lookups ran in SQL", joined)
	}
	if tails < 100 {
		t.Errorf("only %d stages after a group ran in SQL", tails)
	}
	if havings < 40 {
		t.Errorf("only %d matches after a group ran in SQL", havings)
	}
	if fetchedReads < 10 {
		t.Errorf("only %d matches or sorts of a first / last or a key's label read after grouping ran in SQL", fetchedReads)
	}
	if levels < 10 {
		t.Errorf("only %d matches or sorts after a window of the groups ran in SQL", levels)
	}
	if leftOut < 10 {
		t.Errorf("only %d lookups nothing unwinds ran in SQL", leftOut)
	}
	t.Logf("%d pipelines parsed, %d ran in SQL (%d unwinds, %d skip/limit/sort/project stages; %d windows of records; %d lookups, %d of them left out; %d stages after a group, %d of them matches, %d matches or sorts after a window of the groups, %d of a first / last or a key's label read after grouping)",
		parsed, compiled, unwound, windowed, windows, joined, leftOut, tails, havings, levels, fetchedReads)
}

// readsAny reports whether a match or sort reads one of the members (top
// level names, or dotted paths).
func readsAny(st aggregate.Stage, members map[string]bool) bool {
	switch st := st.(type) {
	case *aggregate.Sort:
		for _, k := range st.Keys {
			if n := k.Path.Names(); members[n[0]] || members[strings.Join(n, ".")] {
				return true
			}
		}
	case *aggregate.Match:
		var in func(x query.Expr) bool
		in = func(x query.Expr) bool {
			switch x := x.(type) {
			case query.And:
				return slices.ContainsFunc(x, in)
			case query.Or:
				return slices.ContainsFunc(x, in)
			case *query.Cond:
				n, _ := x.Leaf()
				return len(n) > 0 && (members[n[0]] || members[strings.Join(n, ".")])
			}
			return false
		}
		return in(st.Where)
	}
	return false
}

func encodeAll(p *aggregate.Pipeline, docs []aggregate.Doc) string {
	parts := make([]string, len(docs))
	for i, d := range docs {
		parts[i] = string(p.Out.Encode(d))
	}
	return "[" + strings.Join(parts, ",") + "]"
}
