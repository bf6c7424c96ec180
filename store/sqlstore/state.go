package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"runway/store"
)

// The system tables every store has: secrets, sessions, sequences and app
// state. Deletes that other processes must hear of (PostgreSQL's NOTIFY)
// stay with each store.

// PasswordHash reads a user's password hash (store.ErrNotFound when unset).
func (d *Dialect) PasswordHash(ctx context.Context, db DB, userID string) (string, error) {
	var h string
	switch err := db.QueryRow(ctx, `SELECT hash FROM _secrets WHERE user_id = $1`, userID).Scan(&h); {
	case errors.Is(err, ErrNoRows):
		return "", fmt.Errorf("%s: password hash %s: %w", d.Name, userID, store.ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("%s: password hash %s: %w", d.Name, userID, err)
	}
	return h, nil
}

// SetPassword stores (or replaces) a user's password hash.
func (d *Dialect) SetPassword(ctx context.Context, db DB, userID, hash string) error {
	if _, err := db.Exec(ctx, `INSERT INTO _secrets (user_id, hash) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash`, userID, hash); err != nil {
		return fmt.Errorf("%s: set password %s: %w", d.Name, userID, err)
	}
	return nil
}

// CreateSession stores a new session (an existing token hash is an error).
func (d *Dialect) CreateSession(ctx context.Context, db DB, ss *store.Session) error {
	if ss == nil || ss.TokenHash == "" {
		return fmt.Errorf("%s: create session: no token hash", d.Name)
	}
	_, err := db.Exec(ctx, `INSERT INTO _sessions
		(token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ss.TokenHash, ss.UserID, ss.AdminUserID, ss.IP, ss.Created, ss.LastActive, ss.IdleTimeout)
	if err != nil {
		return fmt.Errorf("%s: create session of %s: %w", d.Name, ss.UserID, err)
	}
	return nil
}

// Session reads a session by token hash (store.ErrNotFound when missing).
// Expiry is the caller's business (LastActive + IdleTimeout).
func (d *Dialect) Session(ctx context.Context, db DB, tokenHash string) (*store.Session, error) {
	var ss store.Session
	switch err := db.QueryRow(ctx, `SELECT token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout
		FROM _sessions WHERE token_hash = $1`, tokenHash).Scan(&ss.TokenHash, &ss.UserID, &ss.AdminUserID, &ss.IP,
		&ss.Created, &ss.LastActive, &ss.IdleTimeout); {
	case errors.Is(err, ErrNoRows):
		return nil, fmt.Errorf("%s: session: %w", d.Name, store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("%s: session: %w", d.Name, err)
	}
	return &ss, nil
}

// TouchSession moves a session's last activity forward to at (never back);
// store.ErrNotFound when the session is gone.
func (d *Dialect) TouchSession(ctx context.Context, db DB, tokenHash string, at int64) error {
	n, err := db.Exec(ctx, `UPDATE _sessions SET last_active = CASE WHEN last_active > $1 THEN last_active ELSE $1 END
		WHERE token_hash = $2`, at, tokenHash)
	if err != nil {
		return fmt.Errorf("%s: touch session: %w", d.Name, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: touch session: %w", d.Name, store.ErrNotFound)
	}
	return nil
}

// NextSequence atomically advances the named counter and returns
// max(previous+1, floor, 1); the first value is max(floor, 1).
func (d *Dialect) NextSequence(ctx context.Context, db DB, name string, floor int64) (int64, error) {
	var v int64
	err := db.QueryRow(ctx, `INSERT INTO _sequences (name, value)
		VALUES ($1, CASE WHEN CAST($2 AS bigint) > 1 THEN CAST($2 AS bigint) ELSE 1 END)
		ON CONFLICT (name) DO UPDATE SET value = CASE WHEN _sequences.value + 1 > excluded.value
			THEN _sequences.value + 1 ELSE excluded.value END
		RETURNING value`, name, floor).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("%s: next sequence %s: %w", d.Name, name, err)
	}
	return v, nil
}

// AppState reads a runtime setting of the app; "" when it was never set.
func (d *Dialect) AppState(ctx context.Context, db DB, key string) (string, error) {
	var v string
	switch err := db.QueryRow(ctx, `SELECT value FROM _app_state WHERE key = $1`, key).Scan(&v); {
	case errors.Is(err, ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("%s: app state %s: %w", d.Name, key, err)
	}
	return v, nil
}

// SetAppState writes a runtime setting; "" removes it.
func (d *Dialect) SetAppState(ctx context.Context, db DB, key, value string) error {
	var err error
	if value == "" {
		_, err = db.Exec(ctx, `DELETE FROM _app_state WHERE key = $1`, key)
	} else {
		_, err = db.Exec(ctx, `INSERT INTO _app_state (key, value, modified) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
			key, value, time.Now().UnixMilli())
	}
	if err != nil {
		return fmt.Errorf("%s: set app state %s: %w", d.Name, key, err)
	}
	return nil
}
