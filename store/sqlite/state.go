package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AppState reads a runtime setting of the app from _app_state; "" when it
// was never set.
func (s *Store) AppState(ctx context.Context, key string) (string, error) {
	st, err := s.stmt(ctx, `SELECT value FROM _app_state WHERE key = ?`)
	if err != nil {
		return "", fmt.Errorf("sqlite: app state %s: %w", key, err)
	}
	var v string
	switch err := st.QueryRowContext(ctx, key).Scan(&v); {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("sqlite: app state %s: %w", key, err)
	}
	return v, nil
}

// SetAppState writes a runtime setting; "" removes it.
func (s *Store) SetAppState(ctx context.Context, key, value string) error {
	var err error
	if value == "" {
		_, err = s.wdb.ExecContext(ctx, `DELETE FROM _app_state WHERE key = ?`, key)
	} else {
		_, err = s.wdb.ExecContext(ctx, `INSERT INTO _app_state (key, value, modified) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`,
			key, value, time.Now().UnixMilli())
	}
	if err != nil {
		return fmt.Errorf("sqlite: set app state %s: %w", key, err)
	}
	return nil
}
