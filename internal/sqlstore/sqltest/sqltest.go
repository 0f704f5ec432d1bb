// Package sqltest runs tests against real databases: a fresh SQLite file and a fresh
// PostgreSQL database per test, each migrated.
//
// Migrating takes about a second under the race detector, so each test binary migrates once
// per dialect and copies the result: the SQLite file's bytes, and a PostgreSQL template
// database, dialtone_tmpl_<digest>, named after sqlstore.SchemaDigest. The template stays on
// the server for the next run with the same migrations; templates of other digests are
// dropped when a new one is made. Dropping any of them by hand is always safe.
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
	"path/filepath"
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
// t.Cleanup: a copy of the binary's migrated database (Migrate then finds nothing to do).
// For "postgres" it skips or fails t as PostgresURL does.
func Open(t testing.TB, dialect string) *sqlstore.Store {
	t.Helper()
	var opts sqlstore.Options
	switch dialect {
	case "sqlite":
		opts.DataDir = sqliteCopy(t)
	case "postgres":
		opts.DatabaseURL = database(t, true)
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
	return database(t, false)
}

// database is PostgresURL, of a copy of the migrated template when migrated is true.
func database(t testing.TB, migrated bool) string {
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
	create := "CREATE DATABASE " + name
	if migrated {
		template, err := pgTemplate()
		if err != nil {
			t.Fatalf("migrated template database: %v", err)
		}
		create += " TEMPLATE " + template
	}
	if err := adminExec(create); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := databaseURL(name)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURLEnv, err)
	}
	return u
}

// databaseURL is the admin URL with its database changed to name.
func databaseURL(name string) (string, error) {
	u, err := url.Parse(adminURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// migrate opens the database of opts, migrates it and closes it.
func migrate(opts sqlstore.Options) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := sqlstore.Open(ctx, opts)
	if err != nil {
		return err
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return err
	}
	return st.Close()
}

// sqliteImage is the SQLite file of a freshly migrated database, made once per test binary.
var sqliteImage = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "dialtone-sqltest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := migrate(sqlstore.Options{DataDir: dir}); err != nil {
		return nil, err
	}
	// Closing the last connection checkpointed the write-ahead log into the file.
	return os.ReadFile(filepath.Join(dir, sqlstore.SQLiteFileName))
})

// sqliteCopy writes the migrated SQLite file into a new temporary directory and returns it.
func sqliteCopy(t testing.TB) string {
	t.Helper()
	image, err := sqliteImage()
	if err != nil {
		t.Fatalf("migrated SQLite database: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqlstore.SQLiteFileName), image, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pgTemplate returns the migrated template database of this build's schema, making it when
// the server has none: under a name of its own, migrated, then renamed, so a binary that
// loses the race to make it uses the winner's and drops its own.
var pgTemplate = sync.OnceValues(func() (string, error) {
	name := "dialtone_tmpl_" + sqlstore.SchemaDigest("postgres")[:16]
	exists, err := databaseExists(name)
	if err != nil || exists {
		return name, err
	}
	build := "dialtone_tmplbuild_" + randomHex(8)
	if err := adminExec("CREATE DATABASE " + build); err != nil {
		return "", err
	}
	u, err := databaseURL(build)
	if err == nil {
		err = migrate(sqlstore.Options{DatabaseURL: u})
	}
	if err == nil {
		err = adminExec("ALTER DATABASE " + build + " RENAME TO " + name)
	}
	if err != nil {
		_ = adminExec("DROP DATABASE IF EXISTS " + build + " WITH (FORCE)")
		if exists, _ := databaseExists(name); exists {
			return name, nil // another binary made it first
		}
		return "", err
	}
	dropStaleTemplates(name)
	return name, nil
})

// databaseExists reports whether the server has a database called name.
func databaseExists(name string) (bool, error) {
	var n int
	err := adminQuery(func(ctx context.Context, db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n)
	})
	return n > 0, err
}

// dropStaleTemplates drops the template databases of other schemas, best effort: one still
// being copied from stays.
func dropStaleTemplates(keep string) {
	var stale []string
	_ = adminQuery(func(ctx context.Context, db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'dialtone\_tmpl\_%' AND datname <> $1`, keep)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if rows.Scan(&n) == nil {
				stale = append(stale, n)
			}
		}
		return rows.Err()
	})
	for _, n := range stale {
		_ = adminExec("DROP DATABASE IF EXISTS " + n)
	}
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
	return adminQuery(func(ctx context.Context, db *sql.DB) error {
		_, err := db.ExecContext(ctx, stmt)
		return err
	})
}

// adminQuery runs do on a short-lived connection to the admin database.
func adminQuery(do func(ctx context.Context, db *sql.DB) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := sql.Open("pgx", adminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	return do(ctx, db)
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
