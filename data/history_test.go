package data

import (
	"context"
	"errors"
	"os"
	"testing"

	"runway/history"
	"runway/store"
)

// historyBundle is the history test app (app/testdata/history) with its
// history service; failHistory makes every history insert fail.
func historyBundle(t *testing.T) (*bundle, *history.Service, *failingHistory) {
	t.Helper()
	b := setup(t, os.DirFS("../app/testdata/history"))
	h, err := history.New(b.ctx, b.app, b.store, bundleClock{b}, history.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fh := &failingHistory{Store: b.store}
	b.with(func(o *Options) { o.History = h })
	return b, h, fh
}

// failingHistory is a store whose transactions fail to write history when
// fail is set.
type failingHistory struct {
	store.Store
	fail bool
}

var errHistoryDown = errors.New("history table unavailable")

func (f *failingHistory) Write(ctx context.Context, fn func(tx store.Tx) error) error {
	return f.Store.Write(ctx, func(tx store.Tx) error {
		if f.fail {
			tx = failingTx{tx}
		}
		return fn(tx)
	})
}

type failingTx struct{ store.Tx }

func (failingTx) AddHistory(context.Context, ...store.HistoryEntry) error { return errHistoryDown }

func (b *bundle) historyOf(h *history.Service, entity, id string) []string {
	b.t.Helper()
	f := store.HistoryFilter{Limit: 100}
	if id != "" {
		f.RecordIDs = []string{id}
	}
	p, err := h.Read(b.ctx, b.entity(entity), f, history.View{})
	if err != nil {
		b.t.Fatal(err)
	}
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = decodeDoc(b.t, it)["eventType"].(string)
	}
	return out
}

// TestHistoryFailureFailsTheWrite: when the history entry cannot be
// written, the change is not made either — create, update, delete, delete
// many and a job's delete batch (whose checkpoint is not committed) — and
// the caller gets the error: no change without its entry.
func TestHistoryFailureFailsTheWrite(t *testing.T) {
	b, h, fh := historyBundle(t)
	kept := b.create("notes", obj{"title": "Kept", "status": "open"})
	other := b.create("notes", obj{"title": "Other"})
	svc := New(b.app, fh, b.svc.log, b.opts) // the same service over the failing store
	fh.fail = true
	e := b.entity("notes")

	if _, err := svc.Create(b.ctx, b.dev, e, obj{"title": "New"}); !errors.Is(err, errHistoryDown) {
		t.Errorf("create: %v", err)
	}
	if n, _ := b.store.Count(b.ctx, e, nil); n != 2 {
		t.Errorf("%d notes after a failed create, want 2", n)
	}
	if _, err := svc.Update(b.ctx, b.dev, e, kept["id"].(string), obj{"status": "closed"}); !errors.Is(err, errHistoryDown) {
		t.Errorf("update: %v", err)
	}
	if got := b.get(b.dev, "notes", kept["id"].(string)); got["status"] != "open" || got["version"] != 0.0 {
		t.Errorf("record after a failed update: %v", got)
	}
	if _, err := svc.Delete(b.ctx, b.dev, e, kept["id"].(string)); !errors.Is(err, errHistoryDown) {
		t.Errorf("delete: %v", err)
	}
	if _, err := svc.DeleteMany(b.ctx, b.dev, e, []string{kept["id"].(string), other["id"].(string)}); !errors.Is(err, errHistoryDown) {
		t.Errorf("delete many: %v", err)
	}
	checkpointed := false
	_, err := svc.DeleteBatch(b.ctx, b.dev, e, &DeleteStep{IDs: []string{kept["id"].(string)}},
		func(store.Tx, []Outcome) error { checkpointed = true; return nil })
	if !errors.Is(err, errHistoryDown) {
		t.Errorf("delete batch: %v", err)
	}
	if checkpointed {
		t.Error("the batch's checkpoint ran although its history failed")
	}
	if n, _ := b.store.Count(b.ctx, e, nil); n != 2 {
		t.Errorf("%d notes after failed deletes, want 2", n)
	}
	for _, id := range []string{kept["id"].(string), other["id"].(string)} {
		if got := b.historyOf(h, "notes", id); len(got) != 1 || got[0] != string(store.UserRecordCreated) {
			t.Errorf("history of %s: %v (only the creation)", id, got)
		}
	}
	// Entities without history write without it.
	if _, err := svc.Create(b.ctx, b.dev, b.entity("plain"), obj{"name": "p"}); err != nil {
		t.Errorf("plain: %v", err)
	}
	fh.fail = false
	if _, err := svc.Update(b.ctx, b.dev, e, kept["id"].(string), obj{"status": "closed"}); err != nil {
		t.Fatal(err)
	}
	if got := b.historyOf(h, "notes", kept["id"].(string)); len(got) != 2 {
		t.Errorf("history after a good update: %v", got)
	}
}

// TestHistoryOfAFailedTransaction: a write whose transaction fails after
// its entry was added (here a unique index, or the batch's checkpoint)
// leaves no entry.
func TestHistoryOfAFailedTransaction(t *testing.T) {
	b, h, _ := historyBundle(t)
	e := b.entity("notes")
	b.create("notes", obj{"title": "A"})
	c := b.create("notes", obj{"title": "C"})
	if _, err := b.svc.Update(b.ctx, b.dev, e, c["id"].(string), obj{"title": "A"}); err == nil {
		t.Fatal("a duplicate title was accepted")
	}
	boom := errors.New("checkpoint lost")
	_, err := b.svc.DeleteBatch(b.ctx, b.dev, e, &DeleteStep{Where: nil, Plan: &DeletePlan{UpTo: c["id"].(string)}, Limit: 10},
		func(store.Tx, []Outcome) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("batch: %v", err)
	}
	all := b.historyOf(h, "notes", "")
	if len(all) != 2 || all[0] != string(store.UserRecordCreated) || all[1] != string(store.UserRecordCreated) {
		t.Errorf("history after failed transactions: %v", all)
	}
	if n, _ := b.store.Count(b.ctx, e, nil); n != 2 {
		t.Errorf("%d notes", n)
	}
}
