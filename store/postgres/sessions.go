package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"runway/store"
)

// PasswordHash reads a user's password hash (store.ErrNotFound when unset).
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	var h string
	switch err := s.pool.QueryRow(ctx, `SELECT hash FROM _secrets WHERE user_id = $1`, userID).Scan(&h); {
	case errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("postgres: password hash %s: %w", userID, store.ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("postgres: password hash %s: %w", userID, err)
	}
	return h, nil
}

// DeletePassword forgets a user's password hash.
func (s *Store) DeletePassword(ctx context.Context, userID string) error {
	wait := s.watch.expect(userID)
	err := deletePassword(ctx, s.pool, userID)
	wait(err == nil)
	return err
}

func deletePassword(ctx context.Context, db dbtx, userID string) error {
	// One statement: the notification goes out only if the delete commits.
	if _, err := db.Exec(ctx, `WITH d AS (DELETE FROM _secrets WHERE user_id = $1)
		SELECT pg_notify($2, $1)`, userID, sessionsChannel); err != nil {
		return fmt.Errorf("postgres: delete password %s: %w", userID, err)
	}
	return nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	if ss == nil || ss.TokenHash == "" {
		return errors.New("postgres: create session: no token hash")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO _sessions
		(token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ss.TokenHash, ss.UserID, ss.AdminUserID, ss.IP, ss.Created, ss.LastActive, ss.IdleTimeout)
	if err != nil {
		return fmt.Errorf("postgres: create session of %s: %w", ss.UserID, err)
	}
	return nil
}

// Session reads a session by token hash.
func (s *Store) Session(ctx context.Context, tokenHash string) (*store.Session, error) {
	var ss store.Session
	switch err := s.pool.QueryRow(ctx, `SELECT token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout
		FROM _sessions WHERE token_hash = $1`, tokenHash).Scan(&ss.TokenHash, &ss.UserID, &ss.AdminUserID, &ss.IP,
		&ss.Created, &ss.LastActive, &ss.IdleTimeout); {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("postgres: session: %w", store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("postgres: session: %w", err)
	}
	return &ss, nil
}

// TouchSession moves a session's last activity forward (never back).
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE _sessions SET last_active = greatest(last_active, $1) WHERE token_hash = $2`, at, tokenHash)
	if err != nil {
		return fmt.Errorf("postgres: touch session: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: touch session: %w", store.ErrNotFound)
	}
	return nil
}

// DeleteSession removes a session.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	// One statement: the notification goes out only if the delete commits.
	wait := s.watch.expect(tokenHash)
	_, err := s.pool.Exec(ctx, `WITH d AS (DELETE FROM _sessions WHERE token_hash = $1)
		SELECT pg_notify($2, $1)`, tokenHash, sessionsChannel)
	wait(err == nil)
	if err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions revokes every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	wait := s.watch.expect(userID)
	err := deleteUserSessions(ctx, s.pool, userID)
	wait(err == nil)
	return err
}

func deleteUserSessions(ctx context.Context, db dbtx, userID string) error {
	if _, err := db.Exec(ctx, `WITH d AS (DELETE FROM _sessions WHERE user_id = $1)
		SELECT pg_notify($2, $1)`, userID, sessionsChannel); err != nil {
		return fmt.Errorf("postgres: delete sessions of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions idle past their timeout.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now int64) (int64, error) {
	// Other processes drop their cached sessions if any was deleted: their
	// local activity may not have reached the store yet.
	var n int64
	err := s.pool.QueryRow(ctx, `WITH d AS (DELETE FROM _sessions WHERE last_active + idle_timeout < $1 RETURNING 1),
		c AS (SELECT count(*) AS n FROM d)
		SELECT n FROM c, LATERAL (SELECT CASE WHEN c.n > 0 THEN pg_notify($2, 'all') END) x`, now, sessionsChannel).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired sessions: %w", err)
	}
	return n, nil
}

// AppState reads a runtime setting ("" when never set).
func (s *Store) AppState(ctx context.Context, key string) (string, error) {
	var v string
	switch err := s.pool.QueryRow(ctx, `SELECT value FROM _app_state WHERE key = $1`, key).Scan(&v); {
	case errors.Is(err, pgx.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("postgres: app state %s: %w", key, err)
	}
	return v, nil
}

// SetAppState writes a runtime setting; "" removes it.
func (s *Store) SetAppState(ctx context.Context, key, value string) error {
	var err error
	if value == "" {
		_, err = s.pool.Exec(ctx, `DELETE FROM _app_state WHERE key = $1`, key)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO _app_state (key, value, modified) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
			key, value, time.Now().UnixMilli())
	}
	if err != nil {
		return fmt.Errorf("postgres: set app state %s: %w", key, err)
	}
	return nil
}
