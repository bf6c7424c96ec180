package history

import (
	"context"
	"slices"
)

// PruneBatch is how many entries one pruning step deletes at most: each
// step is a short transaction of its own, so pruning a large backlog
// never holds the database for long.
const PruneBatch = 1000

// PruneStep deletes one batch of what retention removes: entries older
// than Options.Retention, else the history of records deleted longer ago
// than their entity keeps it (dataExpiration). It returns how many entries
// it deleted; 0 means nothing is left to prune now.
func (s *Service) PruneStep(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	if s.opts.Retention > 0 {
		n, err := s.store.PruneHistory(ctx, now.Add(-s.opts.Retention).UnixMilli(), PruneBatch)
		if n > 0 || err != nil {
			return n, err
		}
	}
	for _, name := range s.app.EntityNames {
		e := s.app.Entity(name)
		p := s.plans[e]
		if p == nil || p.audit.KeepDeleted <= 0 {
			continue
		}
		// A record's entries go with its deletion entry, so a record is
		// listed once.
		ids, err := s.store.DeletedRecords(ctx, name, now.Add(-p.audit.KeepDeleted).UnixMilli(), PruneBatch/10)
		if err != nil || len(ids) == 0 {
			if err != nil {
				return 0, err
			}
			continue
		}
		return s.store.DeleteRecordHistory(ctx, name, slices.Compact(ids))
	}
	return 0, nil
}
