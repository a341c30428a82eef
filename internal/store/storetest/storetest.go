// Package storetest opens real databases for tests: a SQLite file in a temporary
// directory, and a fresh schema on the PostgreSQL server named by
// LOKET_TEST_POSTGRES_URL (tests on PostgreSQL are skipped when it is unset).
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/loket/loket/internal/store"
)

// EnvPostgres names the PostgreSQL server tests may use.
const EnvPostgres = "LOKET_TEST_POSTGRES_URL"

// Engines lists the engines tests run on here: sqlite always, postgres when configured.
func Engines() []string {
	if os.Getenv(EnvPostgres) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// URL returns a database URL of engine for one test, with cleanup registered: a
// SQLite file in t.TempDir(), or a new PostgreSQL schema dropped at the end.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	case "postgres":
		base := os.Getenv(EnvPostgres)
		if base == "" {
			t.Skip(EnvPostgres + " is not set")
		}
		schema := fmt.Sprintf("t_%d", rand.Uint64()>>1)
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
			admin.Close()
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// Open opens and migrates a fresh database of engine for one test.
func Open(t testing.TB, engine string) *store.DB {
	t.Helper()
	dsn := URL(t, engine)
	db, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if engine == "postgres" {
		// pgx sends search_path from the URL as a run-time parameter; make sure every
		// test really works in its own schema.
		u, _ := url.Parse(dsn)
		var got string
		if err := db.R.QueryRow("SELECT current_schema()").Scan(&got); err != nil || got != u.Query().Get("search_path") {
			t.Fatalf("test schema not in effect: current_schema() = %q, %v", got, err)
		}
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs f as a subtest on every engine available.
func Each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	for _, e := range Engines() {
		t.Run(e, func(t *testing.T) { f(t, Open(t, e)) })
	}
}
