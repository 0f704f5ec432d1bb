package sqlstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one directory of goose SQL migrations per dialect. Both directories create
// the same tables and columns; only the column types differ.
//
//go:embed migrations
var migrations embed.FS

// Migrate brings the schema up to date. It is idempotent: migrations already applied are
// skipped. Several processes may migrate one database at once. On PostgreSQL each holds a
// session advisory lock while it runs, so nodes that start together migrate one after another
// (each waits up to five minutes for the lock). SQLite has no such lock: every migration runs
// in its own IMMEDIATE transaction, and a process whose migration fails because another applied
// it first looks again and carries on from the new version.
func (s *Store) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, s.dialect.migrationsDir())
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(s.riverMigration())}
	if s.dialect == dialectPostgres {
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	// The provider is not closed: Provider.Close would close the Store's pool.
	p, err := goose.NewProvider(s.dialect.goose(), s.writer, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	const attempts = 3
	for i := 1; ; i++ {
		_, err = p.Up(ctx)
		if err == nil {
			return nil
		}
		if s.dialect != dialectSQLite || i == attempts {
			return fmt.Errorf("migrate %s database: %w", s.dialect, err)
		}
		// A migration that failed is rolled back, so looking again is safe: when another
		// process applied everything meanwhile, there is nothing left to do.
		if pending, perr := p.HasPending(ctx); perr == nil && !pending {
			return nil
		}
	}
}

// SchemaDigest identifies the schema Migrate builds on dialect ("sqlite" or "postgres"): a
// hex SHA-256 of that dialect's migrations and of the River schema version they reach. Two
// databases migrated by builds with the same digest have the same schema, so tests can copy
// one migrated database instead of migrating each (internal/sqlstore/sqltest). It panics on
// an unknown dialect.
func SchemaDigest(name string) string {
	d := dialect(name)
	if d != dialectSQLite && d != dialectPostgres {
		panic("sqlstore.SchemaDigest: unknown dialect " + name)
	}
	h := sha256.New()
	fmt.Fprintf(h, "river %d\n", riverSchemaVersion)
	err := fs.WalkDir(migrations, d.migrationsDir(), func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		panic("sqlstore.SchemaDigest: " + err.Error()) // the files are embedded: never
	}
	return hex.EncodeToString(h.Sum(nil))
}
