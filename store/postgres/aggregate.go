package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"runway/aggregate"
	"runway/query"
	"runway/store"
	"runway/store/sqlstore"
	"runway/types"
)

// aggDialect writes PostgreSQL's aggregate statements over the stored
// jsonb j: group keys are jsonb values (numbers equal by value, strings by
// their bytes), sums numeric (exact), text orders under COLLATE "C"
// (bytewise, as query.Compare).
var aggDialect = &sqlstore.AggDialect{
	Key:    func(names []string) (string, error) { return jsonAt("j", names) },
	KeyOut: func(key string) string { return key + "::text" },
	JSON: func(names []string) (string, error) {
		return jsonAt("j", names)
	},
	First: func(j string) string { return "((array_agg(" + j + " ORDER BY id))[1])::text" },
	Last:  func(j string) string { return "((array_agg(" + j + " ORDER BY id DESC))[1])::text" },
	Sum: func(names []string, kind string) (string, string, error) {
		J, err := jsonAt("j", names)
		if err != nil {
			return "", "", err
		}
		T, _ := textAt("j", names)
		is := "number"
		if kind == types.BigNumber {
			is = "string" // a decimal string
		}
		when := "CASE WHEN jsonb_typeof(" + J + ") = '" + is + "' THEN "
		return "(sum(" + when + T + "::numeric END))::text", "count(" + when + "1 END)", nil
	},
	MinMax: func(op string, names []string, kind string) (string, bool, error) {
		J, err := jsonAt("j", names)
		if err != nil {
			return "", false, err
		}
		T, _ := textAt("j", names)
		switch {
		case kind == types.BigNumber:
			return "", false, nil // the answer is the string as written: min by value would lose it
		case types.NativeIsNumber(kind):
			return "(" + op + "(CASE WHEN jsonb_typeof(" + J + ") = 'number' THEN " + T + "::numeric END))::text", true, nil
		case kind == types.Boolean:
			agg := map[string]string{"min": "bool_and", "max": "bool_or"}[op]
			return "(" + agg + "(CASE WHEN jsonb_typeof(" + J + ") = 'boolean' THEN " + T + "::boolean END))::text", true, nil
		}
		return op + "((CASE WHEN jsonb_typeof(" + J + ") = 'string' THEN " + T + " END) COLLATE \"C\")", true, nil
	},
	DecodeKey: func(_ string, v any) (any, error) { return sqlstore.DecodeJSON(v) },
	DecodeMinMax: func(kind string, v any) (any, error) {
		s, ok := v.(string)
		switch {
		case v == nil:
			return nil, nil
		case !ok:
			return nil, fmt.Errorf("min/max of type %T", v)
		case types.NativeIsNumber(kind):
			return json.Number(s), nil
		case kind == types.Boolean:
			return s == "true", nil
		}
		return s, nil
	},
}

var _ store.Aggregator = (*Store)(nil)

// PlanAggregate implements store.Aggregator: the planner's prefix when the
// records' condition compiles exactly (else the data service reads the
// records, and Match decides what the SQL could not).
func (s *Store) PlanAggregate(p *aggregate.Pipeline) int {
	n := aggDialect.Plan(p)
	if n == 0 {
		return 0
	}
	if _, err := s.aggSource(p); err != nil {
		return 0
	}
	return n
}

// aggSource compiles the condition on the records entering the statement;
// an error when it does not compile exactly.
func (s *Store) aggSource(p *aggregate.Pipeline) (sqlstore.AggSource, error) {
	table, err := dialect.TableName(p.Entity)
	if err != nil {
		return sqlstore.AggSource{}, err
	}
	where, _ := p.Source()
	if _, err := query.Match(where, nil, "", ""); err != nil {
		return sqlstore.AggSource{}, err
	}
	if err := s.checkTexts(table, where); err != nil {
		return sqlstore.AggSource{}, err
	}
	c := newCompiler(s.indexedExprs(table))
	w, exact := c.where(where)
	if !exact {
		return sqlstore.AggSource{}, fmt.Errorf("the condition does not compile exactly")
	}
	if w == "TRUE" {
		w = ""
	}
	return sqlstore.AggSource{From: c.from(table), Where: w, Args: c.args}, nil
}

// Aggregate implements store.Aggregator (its documents collected before
// they are streamed, so the stages after it hold no connection).
func (s *Store) Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor {
	return sqlstore.AggCursor(func() ([]aggregate.Doc, error) {
		src, err := s.aggSource(p)
		if err != nil {
			return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
		}
		var docs []aggregate.Doc
		err = s.read(ctx, func(ctx context.Context, db dbtx) error {
			docs, err = aggDialect.Aggregate(ctx, pgDB{db}, p, n, src, maxItems)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("postgres: aggregate %s: %w", p.Entity.FullName, err)
		}
		return docs, nil
	})
}
