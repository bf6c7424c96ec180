package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"runway/store/sqlstore"
)

// CreateTestDatabase creates a fresh database with a random name on the
// server of baseURL (a postgres:// URL whose user may CREATE DATABASE) and
// returns its URL and a function dropping it (forcing other connections
// off). For tests.
func CreateTestDatabase(ctx context.Context, baseURL string) (dbURL string, drop func() error, err error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: test database: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "runway_test_" + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: test database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+sqlstore.QuoteIdent(name)); err != nil {
		return "", nil, fmt.Errorf("postgres: create test database: %w", err)
	}
	u.Path = "/" + name
	drop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, baseURL)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, "DROP DATABASE IF EXISTS "+sqlstore.QuoteIdent(name)+" WITH (FORCE)")
		return err
	}
	return u.String(), drop, nil
}
