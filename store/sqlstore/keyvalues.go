package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"runway/store"
)

// The key/value table of sys.storage and sys.cache (store.KeyValues), one
// SQL text for both databases. An entry is live while expires is 0 or
// after the time given; writes first delete the expired entries (an index
// covers them), so the statements below only ever meet live ones.

// KeyValuesDDL creates the table; a store runs it as one of its
// migrations. Spaces and keys compare bytewise (their listings are in byte
// order).
func (d *Dialect) KeyValuesDDL() []string {
	text := "text" + d.Bytewise + " NOT NULL"
	return []string{
		`CREATE TABLE _key_values (
			space ` + text + `,
			key ` + text + `,
			value text NOT NULL,
			sealed boolean NOT NULL DEFAULT false,
			expires bigint NOT NULL DEFAULT 0,
			PRIMARY KEY (space, key))`,
		`CREATE INDEX _key_values_expires ON _key_values (expires) WHERE expires <> 0`,
	}
}

// liveEntry is the condition "the entry is live at the time bound as
// parameter n".
func liveEntry(n int) string { return fmt.Sprintf("(expires = 0 OR expires > $%d)", n) }

// GetValue reads a live entry.
func (d *Dialect) GetValue(ctx context.Context, db DB, space, key string, now int64) (store.KeyValue, bool, error) {
	kv := store.KeyValue{Space: space, Key: key}
	var value string
	err := db.QueryRow(ctx, `SELECT value, sealed, expires FROM _key_values WHERE space = $1 AND key = $2 AND `+liveEntry(3),
		space, key, now).Scan(&value, &kv.Sealed, &kv.Expires)
	switch {
	case errors.Is(err, ErrNoRows):
		return store.KeyValue{}, false, nil
	case err != nil:
		return store.KeyValue{}, false, fmt.Errorf("%s: key/value %s %s: %w", d.Name, space, key, err)
	}
	kv.Value = []byte(value)
	return kv, true, nil
}

// PutValue writes an entry as mode allows, in the transaction of db: it
// answers the entry it replaced and whether it wrote.
func (d *Dialect) PutValue(ctx context.Context, db DB, kv store.KeyValue, mode store.PutMode, now int64) (prev store.KeyValue, had, written bool, err error) {
	fail := func(err error) (store.KeyValue, bool, bool, error) {
		return store.KeyValue{}, false, false, fmt.Errorf("%s: put key/value %s %s: %w", d.Name, kv.Space, kv.Key, err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM _key_values WHERE expires <> 0 AND expires <= $1`, now); err != nil {
		return fail(err)
	}
	var n int64
	switch mode {
	case store.PutIfAbsent:
		n, err = db.Exec(ctx, `INSERT INTO _key_values (space, key, value, sealed, expires) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (space, key) DO NOTHING`, kv.Space, kv.Key, string(kv.Value), kv.Sealed, kv.Expires)
	case store.PutIfPresent:
		n, err = db.Exec(ctx, `UPDATE _key_values SET value = $3, sealed = $4, expires = $5 WHERE space = $1 AND key = $2`,
			kv.Space, kv.Key, string(kv.Value), kv.Sealed, kv.Expires)
	default:
		// Lock the row, if there is one, before reading what it held: a
		// concurrent put of the key waits and then reads this one's value.
		if _, err := db.Exec(ctx, `UPDATE _key_values SET expires = expires WHERE space = $1 AND key = $2`, kv.Space, kv.Key); err != nil {
			return fail(err)
		}
		if prev, had, err = d.GetValue(ctx, db, kv.Space, kv.Key, now); err != nil {
			return store.KeyValue{}, false, false, err
		}
		n, err = db.Exec(ctx, `INSERT INTO _key_values (space, key, value, sealed, expires) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (space, key) DO UPDATE SET value = excluded.value, sealed = excluded.sealed, expires = excluded.expires`,
			kv.Space, kv.Key, string(kv.Value), kv.Sealed, kv.Expires)
	}
	if err != nil {
		return fail(err)
	}
	return prev, had, n > 0, nil
}

// DeleteValue removes an entry and answers it when it was live.
func (d *Dialect) DeleteValue(ctx context.Context, db DB, space, key string, now int64) (store.KeyValue, bool, error) {
	kv := store.KeyValue{Space: space, Key: key}
	var value string
	err := db.QueryRow(ctx, `DELETE FROM _key_values WHERE space = $1 AND key = $2 RETURNING value, sealed, expires`,
		space, key).Scan(&value, &kv.Sealed, &kv.Expires)
	switch {
	case errors.Is(err, ErrNoRows):
		return store.KeyValue{}, false, nil
	case err != nil:
		return store.KeyValue{}, false, fmt.Errorf("%s: remove key/value %s %s: %w", d.Name, space, key, err)
	}
	if kv.Expires != 0 && kv.Expires <= now {
		return store.KeyValue{}, false, nil
	}
	kv.Value = []byte(value)
	return kv, true, nil
}

// ClearValues removes the entries of a space, or of every space that
// starts with it.
func (d *Dialect) ClearValues(ctx context.Context, db DB, space string, prefix bool) error {
	var err error
	if prefix {
		_, err = db.Exec(ctx, `DELETE FROM _key_values WHERE substr(space, 1, $2) = $1`, space, utf8.RuneCountInString(space))
	} else {
		_, err = db.Exec(ctx, `DELETE FROM _key_values WHERE space = $1`, space)
	}
	if err != nil {
		return fmt.Errorf("%s: clear key/values %s: %w", d.Name, space, err)
	}
	return nil
}

// ValueKeys lists the live keys of a space in byte order.
func (d *Dialect) ValueKeys(ctx context.Context, db DB, space string, now int64) ([]string, error) {
	return d.textColumn(ctx, db, "key/value keys "+space,
		`SELECT key FROM _key_values WHERE space = $1 AND `+liveEntry(2)+` ORDER BY key`, space, now)
}

// ValueSpaces lists the spaces starting with prefix that hold a live
// entry, in byte order.
func (d *Dialect) ValueSpaces(ctx context.Context, db DB, prefix string, now int64) ([]string, error) {
	return d.textColumn(ctx, db, "key/value spaces "+prefix,
		`SELECT DISTINCT space FROM _key_values WHERE substr(space, 1, $2) = $1 AND `+liveEntry(3)+` ORDER BY space`,
		prefix, utf8.RuneCountInString(prefix), now)
}

// textColumn reads a one-column list of texts.
func (d *Dialect) textColumn(ctx context.Context, db DB, what, query string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", d.Name, what, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", d.Name, what, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", d.Name, what, err)
	}
	return out, nil
}
