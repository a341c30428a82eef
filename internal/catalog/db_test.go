package catalog_test

import (
	"testing"

	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

// eachDB runs fn on a fresh SQLite database and, when LOKET_TEST_POSTGRES_URL is set,
// on a fresh PostgreSQL schema.
func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) { storetest.Each(t, fn) }

func openSQLite(t *testing.T) *store.DB { return storetest.Open(t, "sqlite") }
