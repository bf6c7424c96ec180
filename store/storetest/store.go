package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"runway/store"
)

func CRUD(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	e := a.Entity("companies")
	Insert(t, s, e, Row(1, map[string]any{"name": "Acme"}))

	got, err := s.Get(ctx, e, ID(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != ID(1) || got.Version != 1 || got.Label != "rec 1" || got.Created != 1 || got.Modified != 1 ||
		!strings.Contains(string(got.Doc), `"name":"Acme"`) {
		t.Fatalf("Get = %+v (%s)", got, got.Doc)
	}
	if _, err := s.Get(ctx, e, ID(2)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get missing: %v", err)
	}

	upd := Row(1, map[string]any{"name": "Acme 2"})
	upd.Version, upd.Modified, upd.Created = 2, 50, 999
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, upd, 1) })
	if err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, e, ID(1))
	if got.Version != 2 || got.Modified != 50 || got.Created != 1 || !strings.Contains(string(got.Doc), "Acme 2") {
		t.Fatalf("after update: %+v %s", got, got.Doc)
	}

	// stale version
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, upd, 1) })
	if !errors.Is(err, store.ErrVersion) {
		t.Fatalf("stale update: %v", err)
	}
	// missing record
	miss := Row(7, nil)
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, miss, 1) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	// duplicate id
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, Row(1, nil)) })
	var ue *store.UniqueError
	if !errors.As(err, &ue) || ue.Field != "id" {
		t.Fatalf("duplicate id: %v", err)
	}
	// invalid JSON never reaches the table
	bad := Row(8, nil)
	bad.Doc = []byte("{")
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, bad) }); err == nil {
		t.Fatal("invalid doc accepted")
	}

	// GetMany: missing and duplicate ids, inside and outside a tx
	Insert(t, s, e, Row(2, nil), Row(3, nil))
	rows, err := s.GetMany(ctx, e, []string{ID(3), ID(9), ID(1), ID(3)})
	if err != nil {
		t.Fatal(err)
	}
	if n := Nums(rows); len(n) != 2 || n[0]+n[1] != 4 {
		t.Fatalf("GetMany = %v", n)
	}
	if rows, err := s.GetMany(ctx, e, nil); err != nil || len(rows) != 0 {
		t.Fatalf("GetMany(nil) = %v, %v", rows, err)
	}

	// reads inside the tx see its own writes; rollback discards them
	boom := errors.New("boom")
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, e, ID(2)); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, e, ID(2)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("tx Get after delete: %v", err)
		}
		if n, err := tx.Count(ctx, e, nil); err != nil || n != 2 {
			t.Errorf("tx Count = %d, %v", n, err)
		}
		if rows, err := tx.GetMany(ctx, e, []string{ID(1), ID(2)}); err != nil || len(rows) != 1 {
			t.Errorf("tx GetMany = %v, %v", rows, err)
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Write returned %v, want fn's error as is", err)
	}
	if _, err := s.Get(ctx, e, ID(2)); err != nil {
		t.Fatalf("rolled-back delete took effect: %v", err)
	}

	err = s.Write(ctx, func(tx store.Tx) error { return tx.Delete(ctx, e, ID(2)) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, e, ID(2)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Delete(ctx, e, ID(2)) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}

	// a panic in fn rolls back and becomes the write's error; the writer
	// goroutine survives it
	err = s.Write(ctx, func(tx store.Tx) error {
		tx.Delete(ctx, e, ID(3))
		panic("x")
	})
	if err == nil || !strings.Contains(err.Error(), "panic") {
		t.Fatalf("panic in a write: got %v, want an error naming the panic", err)
	}
	if _, err := s.Get(ctx, e, ID(3)); err != nil {
		t.Fatalf("panicking tx committed: %v", err)
	}
}

func UniqueIndexes(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	e := a.Entity("companies")
	Insert(t, s, e,
		Row(1, map[string]any{"name": "Acme", "email": "Info@Acme.com", "contactInformation": map[string]any{"email": "Boss@x.com"}}),
		Row(2, map[string]any{"name": "Beta"}), // no email: missing values never collide
		Row(3, map[string]any{"name": "Gamma", "addresses": []any{map[string]any{"zip": "1"}, map[string]any{"zip": "1"}}}),
	)
	cases := []struct {
		doc   map[string]any
		field string
	}{
		{map[string]any{"name": "Acme"}, "name"},
		{map[string]any{"name": "X", "email": "info@acme.COM"}, "email"},
		{map[string]any{"name": "Y", "contactInformation": map[string]any{"email": "boss@X.com"}}, "contactInformation.email"},
	}
	for _, c := range cases {
		err := s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, e, Row(10, c.doc)) })
		var ue *store.UniqueError
		if !errors.As(err, &ue) || ue.Field != c.field {
			t.Errorf("insert %v: got %v, want UniqueError{%s}", c.doc, err, c.field)
		}
	}
	// case differs on a text field: binary, so allowed
	Insert(t, s, e, Row(4, map[string]any{"name": "acme"}))
	// a unique inner field of a many group is not indexed (defensive skip)
	Insert(t, s, e, Row(5, map[string]any{"name": "Z", "addresses": []any{map[string]any{"zip": "1"}}}))
	// update into a taken value
	upd := Row(2, map[string]any{"name": "Acme"})
	upd.Version = 2
	err := s.Write(ctx, func(tx store.Tx) error { return tx.Update(ctx, e, upd, 1) })
	var ue *store.UniqueError
	if !errors.As(err, &ue) || ue.Field != "name" {
		t.Fatalf("update into taken value: %v", err)
	}
	// sys.users gets its table and case-insensitive unique email too
	u := a.Entity("sys.users")
	Insert(t, s, u, Row(1, map[string]any{"email": "dev@example.com"}))
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Insert(ctx, u, Row(2, map[string]any{"email": "DEV@example.com"})) })
	if !errors.As(err, &ue) || ue.Field != "email" {
		t.Fatalf("users email: %v", err)
	}
}

func UniqueConcurrent(t *testing.T, open Opener) {
	s, a := Open(t, open)
	ctx := context.Background()
	e := a.Entity("companies")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			email := "same@example.com"
			if i%2 == 1 {
				email = "SAME@Example.com"
			}
			errs[i] = s.Write(ctx, func(tx store.Tx) error {
				return tx.Insert(ctx, e, Row(100+i, map[string]any{"name": "n" + ID(i), "email": email}))
			})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var ue *store.UniqueError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ue) && ue.Field == "email":
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d inserts succeeded, want exactly 1", ok)
	}
	if c, err := s.Count(ctx, e, nil); err != nil || c != 1 {
		t.Fatalf("count = %d, %v", c, err)
	}
}

func SessionsAndSecrets(t *testing.T, open Opener) {
	s, _ := Open(t, open)
	ctx := context.Background()
	for _, ss := range []*store.Session{
		{TokenHash: "h1", UserID: "u1", IP: "1.2.3.4", Created: 100, LastActive: 100, IdleTimeout: 50},
		{TokenHash: "h2", UserID: "u1", AdminUserID: "admin", Created: 100, LastActive: 100, IdleTimeout: 500},
		{TokenHash: "h3", UserID: "u2", Created: 100, LastActive: 100, IdleTimeout: 50},
	} {
		if err := s.CreateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, &store.Session{TokenHash: "h1", UserID: "u9"}); err == nil {
		t.Fatal("duplicate token hash accepted")
	}
	got, err := s.Session(ctx, "h2")
	if err != nil || got.UserID != "u1" || got.AdminUserID != "admin" || got.IdleTimeout != 500 {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if _, err := s.Session(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing session: %v", err)
	}
	if err := s.TouchSession(ctx, "h3", 140); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "h3", 120); err != nil { // never moves back
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "nope", 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("touch missing: %v", err)
	}
	// at 160: h1 expired (150 < 160), h3 alive (190), h2 alive (600)
	n, err := s.DeleteExpiredSessions(ctx, 160)
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredSessions = %d, %v", n, err)
	}
	if _, err := s.Session(ctx, "h1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("expired session kept")
	}
	// boundary: last_active + idle == now is not expired yet
	if n, _ := s.DeleteExpiredSessions(ctx, 190); n != 0 {
		t.Fatalf("deleted %d at the boundary", n)
	}
	if err := s.DeleteUserSessions(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("user session kept")
	}
	if err := s.DeleteSession(ctx, "h3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "h3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("deleted session kept")
	}

	// secrets
	if _, err := s.PasswordHash(ctx, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unset hash: %v", err)
	}
	for _, h := range []string{"hash1", "hash2"} {
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.SetPassword(ctx, "u1", h) }); err != nil {
			t.Fatal(err)
		}
	}
	if h, err := s.PasswordHash(ctx, "u1"); err != nil || h != "hash2" {
		t.Fatalf("hash = %q, %v", h, err)
	}
	if err := s.DeletePassword(ctx, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordHash(ctx, "u1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted hash: %v", err)
	}
	// the in-transaction extras
	err = s.Write(ctx, func(tx store.Tx) error {
		if err := tx.SetPassword(ctx, "u5", "h"); err != nil {
			return err
		}
		return tx.(interface {
			DeletePassword(context.Context, string) error
		}).DeletePassword(ctx, "u5")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordHash(ctx, "u5"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("tx DeletePassword: %v", err)
	}
}

func NextSequence(t *testing.T, open Opener) {
	s, _ := Open(t, open)
	ctx := context.Background()
	next := func(name string, floor int64) int64 {
		t.Helper()
		var v int64
		if err := s.Write(ctx, func(tx store.Tx) error {
			var err error
			v, err = tx.NextSequence(ctx, name, floor)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, c := range []struct {
		name  string
		floor int64
		want  int64
	}{
		{"a", 0, 1}, {"a", 0, 2}, {"a", 10, 10}, {"a", 0, 11}, {"a", 5, 12},
		{"b", 100, 100}, {"b", 0, 101},
	} {
		if got := next(c.name, c.floor); got != c.want {
			t.Errorf("%d: NextSequence(%s, %d) = %d, want %d", i, c.name, c.floor, got, c.want)
		}
	}
	// rolled back increments are not kept
	s.Write(ctx, func(tx store.Tx) error {
		tx.NextSequence(ctx, "b", 0)
		return errors.New("rollback")
	})
	if got := next("b", 0); got != 102 {
		t.Errorf("after rollback got %d, want 102", got)
	}
}
