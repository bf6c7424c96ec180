package api_test

import (
	"os"
	"testing"

	"runway/api/apitest"
)

// TestMain runs the black-box suite over SQLite, then over PostgreSQL when
// RUNWAY_TEST_POSTGRES is set (apitest.Main).
func TestMain(m *testing.M) { os.Exit(apitest.Main(m)) }
