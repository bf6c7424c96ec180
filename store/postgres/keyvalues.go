package postgres

import (
	"context"

	"runway/store"
)

// The key/value table of sys.storage and sys.cache: sqlstore's statements
// (migration 3 creates the table); every process shares it.

// GetValue reads an entry.
func (s *Store) GetValue(ctx context.Context, space, key string, now int64) (kv store.KeyValue, found bool, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		kv, found, err = dialect.GetValue(ctx, pgDB{db}, space, key, now)
		return err
	})
	return kv, found, err
}

// PutValue writes an entry as mode allows.
func (s *Store) PutValue(ctx context.Context, kv store.KeyValue, mode store.PutMode, now int64) (prev store.KeyValue, had, written bool, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		prev, had, written, err = dialect.PutValue(ctx, pgDB{t.(*tx).p}, kv, mode, now)
		return err
	})
	return prev, had, written, err
}

// DeleteValue removes an entry and answers it.
func (s *Store) DeleteValue(ctx context.Context, space, key string, now int64) (kv store.KeyValue, found bool, err error) {
	err = s.Write(ctx, func(t store.Tx) error {
		kv, found, err = dialect.DeleteValue(ctx, pgDB{t.(*tx).p}, space, key, now)
		return err
	})
	return kv, found, err
}

// ClearValues removes the entries of a space (or of a prefix).
func (s *Store) ClearValues(ctx context.Context, space string, prefix bool) error {
	return s.Write(ctx, func(t store.Tx) error { return dialect.ClearValues(ctx, pgDB{t.(*tx).p}, space, prefix) })
}

// ValueKeys lists the keys of a space.
func (s *Store) ValueKeys(ctx context.Context, space string, now int64) (keys []string, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		keys, err = dialect.ValueKeys(ctx, pgDB{db}, space, now)
		return err
	})
	return keys, err
}

// ValueSpaces lists the spaces that start with prefix.
func (s *Store) ValueSpaces(ctx context.Context, prefix string, now int64) (spaces []string, err error) {
	err = s.read(ctx, func(ctx context.Context, db dbtx) error {
		spaces, err = dialect.ValueSpaces(ctx, pgDB{db}, prefix, now)
		return err
	})
	return spaces, err
}
