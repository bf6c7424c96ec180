package files

import (
	"context"
	"time"

	"runway/record"
)

// Swept counts what one sweep removed.
type Swept struct {
	Temporary int   // uploads no record referenced in time
	Shares    int64 // expired share links
	Orphans   int   // blobs without metadata
	Partial   int   // writes that never finished
}

// sweepBatch is the most files one statement of the sweep deletes.
const sweepBatch = 500

// Sweep deletes what the lifecycle leaves behind: temporary uploads older
// than TemporaryFor, expired share links, blobs without a metadata row
// older than the orphan grace (a process died between the two writes,
// or between deleting a row and its blob), and partial writes. Several
// processes may sweep one store at once: every step deletes only what is
// still unreferenced at that moment.
func (s *Service) Sweep(ctx context.Context) (Swept, error) {
	var sw Swept
	now := s.clock.Now()
	for {
		ids, err := s.st.DeleteTemporaryFiles(ctx, now.Add(-s.opts.TemporaryFor).UnixMilli(), sweepBatch)
		if err != nil {
			return sw, err
		}
		s.deleteBlobs(ctx, ids)
		sw.Temporary += len(ids)
		if len(ids) < sweepBatch {
			break
		}
	}
	var err error
	if sw.Shares, err = s.st.DeleteExpiredSharedFiles(ctx, now.UnixMilli()); err != nil {
		return sw, err
	}
	if sw.Orphans, err = s.sweepOrphans(ctx, now.Add(-s.opts.OrphanGrace)); err != nil {
		return sw, err
	}
	sw.Partial, err = s.blobs.RemovePartial(ctx, now.Add(-s.opts.TemporaryFor))
	return sw, err
}

// sweepOrphans deletes the blobs modified before the time that have no
// metadata row, checking the rows in batches.
func (s *Service) sweepOrphans(ctx context.Context, before time.Time) (int, error) {
	n := 0
	var batch []string
	check := func() error {
		if len(batch) == 0 {
			return nil
		}
		known, err := s.Lookup(ctx, batch)
		if err != nil {
			return err
		}
		for _, id := range batch {
			if known[id] != nil {
				continue
			}
			if err := s.blobs.Delete(ctx, id); err != nil {
				return err
			}
			n++
		}
		batch = batch[:0]
		return nil
	}
	err := s.blobs.List(ctx, func(key string, modified time.Time) error {
		if !record.IsID(key) || !modified.Before(before) {
			return nil // not a file's blob, or maybe an upload in progress
		}
		batch = append(batch, key)
		if len(batch) < sweepBatch {
			return nil
		}
		return check()
	})
	if err == nil {
		err = check()
	}
	return n, err
}

// Run sweeps every SweepEvery until ctx ends (Runtime.Start), the first
// time a minute after the start (or after SweepEvery when shorter): not
// in the middle of a process's start-up, yet soon after a restart.
func (s *Service) Run(ctx context.Context) {
	wait := min(time.Minute, s.opts.SweepEvery)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = s.opts.SweepEvery
		if sw, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("sweep files", "err", err)
		} else if sw != (Swept{}) {
			s.log.Info("files swept", "temporary", sw.Temporary, "shares", sw.Shares, "orphans", sw.Orphans, "partial", sw.Partial)
		}
	}
}
