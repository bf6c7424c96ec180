package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"runway/store"
)

// PasswordHash reads a user's password hash (store.ErrNotFound when unset).
func (s *Store) PasswordHash(ctx context.Context, userID string) (string, error) {
	st, err := s.stmt(ctx, `SELECT hash FROM _secrets WHERE user_id = ?`)
	if err != nil {
		return "", fmt.Errorf("sqlite: password hash %s: %w", userID, err)
	}
	var h string
	switch err := st.QueryRowContext(ctx, userID).Scan(&h); {
	case errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("sqlite: password hash %s: %w", userID, store.ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("sqlite: password hash %s: %w", userID, err)
	}
	return h, nil
}

// DeletePassword forgets a user's password hash; no error when there is none.
func (s *Store) DeletePassword(ctx context.Context, userID string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM _secrets WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlite: delete password %s: %w", userID, err)
	}
	return nil
}

// CreateSession stores a new session (an existing token hash is an error).
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	if ss == nil || ss.TokenHash == "" {
		return errors.New("sqlite: create session: no token hash")
	}
	_, err := s.wdb.ExecContext(ctx, `INSERT INTO _sessions
		(token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ss.TokenHash, ss.UserID, ss.AdminUserID, ss.IP, ss.Created, ss.LastActive, ss.IdleTimeout)
	if err != nil {
		return fmt.Errorf("sqlite: create session of %s: %w", ss.UserID, err)
	}
	return nil
}

// Session reads a session by token hash (store.ErrNotFound when missing).
// Expiry is the caller's business (LastActive + IdleTimeout).
func (s *Store) Session(ctx context.Context, tokenHash string) (*store.Session, error) {
	st, err := s.stmt(ctx, `SELECT token_hash, user_id, admin_user_id, ip, created, last_active, idle_timeout
		FROM _sessions WHERE token_hash = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	var ss store.Session
	switch err := st.QueryRowContext(ctx, tokenHash).Scan(&ss.TokenHash, &ss.UserID, &ss.AdminUserID, &ss.IP,
		&ss.Created, &ss.LastActive, &ss.IdleTimeout); {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("sqlite: session: %w", store.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	return &ss, nil
}

// TouchSession moves a session's last activity forward to at (never back);
// store.ErrNotFound when the session is gone.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at int64) error {
	res, err := s.wdb.ExecContext(ctx, `UPDATE _sessions SET last_active = max(last_active, ?) WHERE token_hash = ?`, at, tokenHash)
	if err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: touch session: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlite: touch session: %w", store.ErrNotFound)
	}
	return nil
}

// DeleteSession removes a session; no error when it does not exist.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM _sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions revokes every session of a user (including those where
// the user is the impersonated one).
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) error {
	if _, err := s.wdb.ExecContext(ctx, `DELETE FROM _sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("sqlite: delete sessions of %s: %w", userID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions with last_active + idle_timeout < now
// and returns how many.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now int64) (int64, error) {
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM _sessions WHERE last_active + idle_timeout < ?`, now)
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", err)
	}
	return n, nil
}
