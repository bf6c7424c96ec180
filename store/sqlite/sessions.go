package sqlite

import (
	"context"
	"fmt"

	"runway/store"
	"runway/store/sqlstore"
)

// Secrets, sessions and app state: the statements are sqlstore's; reads run
// on the read pool, writes on the write connection outside the writer
// (each is one statement of its own).

// PasswordHash reads a user's password hash (store.ErrNotFound when unset).
func (s *Store) PasswordHash(ctx context.Context, userID string) (h string, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		h, err = dialect.PasswordHash(ctx, db, userID)
		return err
	})
	return h, err
}

// DeletePassword forgets a user's password hash; no error when there is none.
func (s *Store) DeletePassword(ctx context.Context, userID string) error {
	return deletePassword(ctx, sqlDB{s.wdb}, userID)
}

func deletePassword(ctx context.Context, db sqlstore.DB, userID string) error {
	if _, err := db.Exec(ctx, `DELETE FROM _secrets WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("sqlite: delete password %s: %w", userID, err)
	}
	return nil
}

// CreateSession stores a new session (an existing token hash is an error).
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	return dialect.CreateSession(ctx, sqlDB{s.wdb}, ss)
}

// Session reads a session by token hash (store.ErrNotFound when missing).
func (s *Store) Session(ctx context.Context, tokenHash string) (ss *store.Session, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		ss, err = dialect.Session(ctx, db, tokenHash)
		return err
	})
	return ss, err
}

// TouchSession moves a session's last activity forward to at (never back).
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at int64) error {
	return dialect.TouchSession(ctx, sqlDB{s.wdb}, tokenHash, at)
}

// DeleteSession removes a session; no error when it does not exist.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM _sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions revokes every session of a user (including those where
// the user is the impersonated one).
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	return deleteUserSessions(ctx, sqlDB{s.wdb}, userID)
}

func deleteUserSessions(ctx context.Context, db sqlstore.DB, userID string) error {
	if _, err := db.Exec(ctx, `DELETE FROM _sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("sqlite: delete sessions of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions with last_active + idle_timeout < now
// and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now int64) (int64, error) {
	n, err := sqlDB{s.wdb}.Exec(ctx, `DELETE FROM _sessions WHERE last_active + idle_timeout < $1`, now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}

// AppState reads a runtime setting of the app; "" when it was never set.
func (s *Store) AppState(ctx context.Context, key string) (v string, err error) {
	err = s.read(ctx, func(ctx context.Context, db sqlstore.DB) error {
		v, err = dialect.AppState(ctx, db, key)
		return err
	})
	return v, err
}

// SetAppState writes a runtime setting; "" removes it.
func (s *Store) SetAppState(ctx context.Context, key, value string) error {
	return dialect.SetAppState(ctx, sqlDB{s.wdb}, key, value)
}
