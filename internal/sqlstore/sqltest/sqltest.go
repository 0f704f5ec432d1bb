// Package sqltest runs tests against real databases: a fresh SQLite file and a fresh
// PostgreSQL database per test, each migrated.
//
// PostgreSQL tests need a server. The admin URL comes from DIALTONE_TEST_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable); the role must be
// allowed to create databases. When the server is unreachable the PostgreSQL tests are
// skipped, unless the CI environment variable is set, in which case they fail.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/dialtonehq/dialtone/internal/sqlstore"
)

// PostgresURLEnv names the environment variable holding the PostgreSQL admin URL.
const PostgresURLEnv = "DIALTONE_TEST_POSTGRES_URL"

// DefaultPostgresURL is the admin URL used when PostgresURLEnv is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Dialects are the dialects Each runs, in order.
func Dialects() []string { return []string{"sqlite", "postgres"} }

// Each runs fn as one subtest per dialect ("sqlite", "postgres"), each with a fresh, migrated
// Store that is closed when the subtest ends.
func Each(t *testing.T, fn func(t *testing.T, st *sqlstore.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Helper()
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated Store of the dialect ("sqlite" or "postgres"), closed in
// t.Cleanup. For "postgres" it skips or fails t as PostgresURL does.
func Open(t testing.TB, dialect string) *sqlstore.Store {
	t.Helper()
	var opts sqlstore.Options
	switch dialect {
	case "sqlite":
		opts.DataDir = t.TempDir()
	case "postgres":
		opts.DatabaseURL = PostgresURL(t)
	default:
		t.Fatalf("sqltest.Open: unknown dialect %q (want sqlite or postgres)", dialect)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := sqlstore.Open(ctx, opts)
	if err != nil {
		t.Fatalf("sqltest.Open(%s): %v", dialect, err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close %s store: %v", dialect, err)
		}
	})
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("sqltest.Open(%s): %v", dialect, err)
	}
	return st
}

// PostgresURL creates an empty PostgreSQL database named dialtone_test_<random>, drops it
// (disconnecting any session left) in t.Cleanup, and returns its URL. When the server is
// unreachable it skips t, or fails it when the CI environment variable is set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := adminURL()
	if err := reachable(); err != nil {
		msg := fmt.Sprintf("PostgreSQL is unreachable at %s: %v", redact(admin), err)
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so the PostgreSQL tests must run)", msg)
		}
		t.Skipf("%s; skipping the PostgreSQL tests. Start PostgreSQL there or set %s to an admin URL to run them.", msg, PostgresURLEnv)
	}
	name := "dialtone_test_" + randomHex(8)
	if err := adminExec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

func adminURL() string {
	if u := os.Getenv(PostgresURLEnv); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// reachable reports, once per test binary, whether the PostgreSQL admin URL answers.
var reachable = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", adminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
})

// adminExec runs one statement on a short-lived connection to the admin database.
func adminExec(stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", adminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}
