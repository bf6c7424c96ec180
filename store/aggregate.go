package store

import (
	"context"
	"errors"

	"runway/aggregate"
)

// Aggregator is implemented by stores that run the start of an aggregate
// pipeline (query-language.md §6) in the database as one statement, so a
// group over a million records reads no document into Go. The data service
// runs the remaining stages with aggregate.Eval over the documents it
// streams.
type Aggregator interface {
	// PlanAggregate returns how many leading stages of p the store runs
	// in SQL, with p.Where (which must hold no query.Script): 0 when it
	// would not help, and then the caller reads the records itself.
	PlanAggregate(p *aggregate.Pipeline) int
	// Aggregate runs p.Where and the first n stages of p (n from
	// PlanAggregate) and streams the documents they emit, in Eval's
	// order and in each type's JSON form; a stage that would hold more
	// than maxItems documents fails with aggregate.TooMany.
	Aggregate(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) aggregate.Cursor
	// PlanRecords returns how many leading stages of p, with p.Where (no
	// query.Script), pick a bounded window of the entity's records the
	// store finds in SQL — a sort, then skip and limit stages with a
	// limit — or 0. The caller reads and renders those records itself
	// and runs the stages after them.
	PlanRecords(p *aggregate.Pipeline) int
	// RecordIDs returns the ids of the records the first n stages of p
	// (n from PlanRecords) emit, in their order; an error wrapping
	// ErrAggregateInGo when the window holds more than maxItems.
	RecordIDs(ctx context.Context, p *aggregate.Pipeline, n, maxItems int) ([]string, error)
}

// ErrAggregateInGo is wrapped by the error of an Aggregator whose database
// refused a pipeline it planned (e.g. an integer sum beyond 64 bits): the
// caller runs the pipeline in Go instead.
var ErrAggregateInGo = errors.New("store: the aggregate must run in Go")
