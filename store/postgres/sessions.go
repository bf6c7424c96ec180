package postgres

import (
	"context"
	"fmt"

	"runway/store"
)

// PasswordHash reads a user's password hash (store.ErrNotFound when unset).
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	return dialect.PasswordHash(ctx, pgDB{s.pool}, userID)
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
	return dialect.CreateSession(ctx, pgDB{s.pool}, ss)
}

// Session reads a session by token hash.
func (s *Store) Session(ctx context.Context, tokenHash string) (*store.Session, error) {
	return dialect.Session(ctx, pgDB{s.pool}, tokenHash)
}

// TouchSession moves a session's last activity forward (never back).
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at int64) error {
	return dialect.TouchSession(ctx, pgDB{s.pool}, tokenHash, at)
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
	return dialect.AppState(ctx, pgDB{s.pool}, key)
}

// SetAppState writes a runtime setting; "" removes it.
func (s *Store) SetAppState(ctx context.Context, key, value string) error {
	return dialect.SetAppState(ctx, pgDB{s.pool}, key, value)
}
