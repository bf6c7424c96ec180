// Package history keeps the history of records (rest-api.md §6.12, "audit
// logs"): the data service hands it each change inside the change's write
// transaction, it builds the entry — only the fields that changed, per the
// entity's settings.auditLogs — and the entry commits with the change or
// not at all. It also reads pages of entries for the API and scripts, and
// prunes old entries in small batches.
//
// It knows nothing of callers and permissions: the data service checks
// those and tells it what the reader may see (View).
package history

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"time"

	"runway/app"
	"runway/clock"
	"runway/store"
	"runway/types"
)

// Options tune the history service; the zero value keeps history forever.
type Options struct {
	// Retention: entries older than this are deleted (0: never;
	// --history-retention).
	Retention time.Duration
}

// Service records and reads the history of one app's records.
type Service struct {
	app   *app.App
	store store.Store
	clock clock.Clock
	opts  Options
	plans map[*app.Entity]*plan // entities with history; fixed at New
}

// New returns the history service of a over st (whose schema is in step
// with a): it gives each entity with history the version of its
// definition, one more than the stored one when the definition changed.
func New(ctx context.Context, a *app.App, st store.Store, c clock.Clock, opts Options) (*Service, error) {
	s := &Service{app: a, store: st, clock: clock.OrSystem(c), opts: opts, plans: map[*app.Entity]*plan{}}
	prints := map[string]string{}
	for _, name := range a.EntityNames {
		if e := a.Entity(name); e.Audit != nil {
			prints[name] = fingerprint(e)
		}
	}
	if len(prints) == 0 {
		return s, nil
	}
	versions, err := st.EntityVersions(ctx, prints)
	if err != nil {
		return nil, fmt.Errorf("history: entity versions: %w", err)
	}
	for name := range prints {
		e := a.Entity(name)
		s.plans[e] = newPlan(e, versions[name])
	}
	return s, nil
}

// Tracks reports whether e keeps history.
func (s *Service) Tracks(e *app.Entity) bool { return s != nil && s.plans[e] != nil }

// fingerprint sums what an entity's records look like — its fields,
// actions and label — so that a changed definition gets a new version.
func fingerprint(e *app.Entity) string {
	h := sha1.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", e.FullName, e.Label, e.RecordLabel)
	sumFields(h, e.Fields)
	for _, a := range e.Actions {
		fmt.Fprintf(h, "action\x00%s\x00%s\x00", a.Name, a.Type)
		sumFields(h, a.Parameters)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sumFields(h hash.Hash, fields []*app.Field) {
	for _, f := range fields {
		rules, _ := json.Marshal(f.Rules)
		fmt.Fprintf(h, "field\x00%s\x00%s\x00%s\x00%t\x00%t\x00%t\x00%s\x00%s\x00", f.Name, f.Label, f.Type, f.Many,
			f.Transient, f.SensitiveData, f.ValueCalculation, rules)
		if f.Type == types.Nested {
			h.Write([]byte("{"))
			sumFields(h, f.Nested)
			h.Write([]byte("}"))
		}
	}
}
