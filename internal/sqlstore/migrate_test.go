package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

func TestMigrateTwiceIsNoOp(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		db := sqlstore.WriterDB(st)
		count := func() (n int) {
			t.Helper()
			if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM goose_db_version`).Scan(&n); err != nil {
				t.Fatalf("count goose versions: %v", err)
			}
			return n
		}
		before := count()
		createOrg(t, st, "Acme") // data must survive a second migration
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if err := st.Migrate(t.Context()); err != nil {
			t.Fatalf("third Migrate: %v", err)
		}
		if after := count(); after != before {
			t.Errorf("goose_db_version rows: %d before, %d after migrating again", before, after)
		}
		var orgs int
		if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM organizations`).Scan(&orgs); err != nil || orgs != 1 {
			t.Errorf("organizations after re-migrating: %d, %v; want 1", orgs, err)
		}
	})
}

func TestDialectAndPing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		if !strings.HasSuffix(t.Name(), "/"+st.Dialect()) {
			t.Errorf("Dialect() = %q in subtest %s", st.Dialect(), t.Name())
		}
		if err := st.Ping(t.Context()); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	st := sqltest.Open(t, "sqlite")
	db := sqlstore.WriterDB(st)
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "1",
	} {
		var got string
		if err := db.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
}

func TestOpenCreatesDataDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	st, err := sqlstore.Open(t.Context(), sqlstore.Options{DataDir: dir})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("stat data dir: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode = %o, want 700", perm)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlstore.SQLiteFileName)); err != nil {
		t.Errorf("database file: %v", err)
	}
	if st.Dialect() != "sqlite" {
		t.Errorf("Dialect() = %q, want sqlite", st.Dialect())
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts sqlstore.Options
		want []string
	}{
		{"mysql scheme", sqlstore.Options{DatabaseURL: "mysql://u:secret@h/db"}, []string{`"mysql"`, "postgres://", "postgresql://"}},
		{"no scheme", sqlstore.Options{DatabaseURL: "dialtone.db"}, []string{"unsupported database URL scheme", "postgres://"}},
		{"no data dir", sqlstore.Options{}, []string{"data directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := sqlstore.Open(t.Context(), tc.opts)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}

func TestOpenUnreachablePostgres(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback refuses connections at once.
	_, err := sqlstore.Open(t.Context(), sqlstore.Options{DatabaseURL: "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=2"})
	if err == nil {
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), "connect to postgresql") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %q, want a connect error without the password", err)
	}
}

// TestConcurrentMigrate starts several stores on one empty database at once, as several nodes
// (or processes, for SQLite) do; each must migrate without error and the schema must be
// applied once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	for _, dialect := range sqltest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			var opts sqlstore.Options
			if dialect == "sqlite" {
				opts.DataDir = t.TempDir()
			} else {
				opts.DatabaseURL = sqltest.PostgresURL(t)
			}
			const nodes = 3
			stores := make([]*sqlstore.Store, nodes)
			for i := range stores {
				st, err := sqlstore.Open(t.Context(), opts)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				t.Cleanup(func() { st.Close() })
				stores[i] = st
			}
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			for i, st := range stores {
				wg.Go(func() { errs[i] = st.Migrate(t.Context()) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Migrate on node %d: %v", i, err)
				}
			}
			var applied int
			if err := sqlstore.WriterDB(stores[0]).QueryRowContext(t.Context(),
				`SELECT COUNT(*) FROM goose_db_version WHERE version_id = 1`).Scan(&applied); err != nil || applied != 1 {
				t.Errorf("migration 1 recorded %d times (%v), want once", applied, err)
			}
		})
	}
}
