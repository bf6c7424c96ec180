package postgres

import (
	"context"
	"os"
	"testing"
)

// testURL creates a fresh database for one test on the server named by
// RUNWAY_TEST_POSTGRES (dropped at cleanup), or skips the test.
func testURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("RUNWAY_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL tests skipped: set RUNWAY_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them")
	}
	u, drop, err := CreateTestDatabase(context.Background(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return u
}
