package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Background work runs on River (DESIGN §6). Its tables live in the same database as
// Dialtone's, so a job is inserted in the transaction of the change that caused it: a
// committed change always has its follow-up work, a rolled-back one never does.
//
// Both engines use River over database/sql, so jobs are inserted with the very *sql.Tx the
// store writes with: riversqlite on SQLite (whose notifications River keeps in a table its
// listener reads every 50 ms), riverdatabasesql on PostgreSQL (which listens for River's
// notifications on a small pgx pool of its own, so a job is worked as soon as its
// transaction commits).

// riverSchemaVersion is the River schema version migration 15 creates. It is pinned, not
// "latest", so that upgrading River never changes the schema behind a migration that has
// already run: a River upgrade that needs a newer schema gets a new migration.
const riverSchemaVersion = 8

// riverMigrationVersion is the goose version of the Go migration that creates River's tables.
const riverMigrationVersion = 15

// riverDriver is River's driver over the store's writer pool.
func (s *Store) riverDriver() riverdriver.Driver[*sql.Tx] {
	if s.dialect == dialectSQLite {
		return riversqlite.New(s.writer)
	}
	return riverdatabasesql.New(s.writer)
}

// riverMigration is the goose Go migration that brings River's schema to riverSchemaVersion.
//
// On SQLite it runs in goose's transaction, on the connection goose holds (the writer pool has
// only that one). On PostgreSQL it cannot (a River step adds an enum value that a later step
// uses, which PostgreSQL refuses in one transaction), so River runs each step in a
// transaction of its own on the writer pool, while goose's session lock keeps other nodes
// waiting as for every migration.
func (s *Store) riverMigration() *goose.Migration {
	target := &rivermigrate.MigrateOpts{TargetVersion: riverSchemaVersion}
	migrator := func() (*rivermigrate.Migrator[*sql.Tx], error) {
		m, err := rivermigrate.New(s.riverDriver(), nil)
		if err != nil {
			return nil, fmt.Errorf("river migrations: %w", err)
		}
		return m, nil
	}
	up := &goose.GoFunc{RunDB: func(ctx context.Context, _ *sql.DB) error {
		m, err := migrator()
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, target); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		return nil
	}}
	if s.dialect == dialectSQLite {
		up = &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			m, err := migrator()
			if err != nil {
				return err
			}
			// MigrateTx is deprecated because some River steps cannot share a transaction on
			// PostgreSQL; on SQLite every step up to the pinned riverSchemaVersion can.
			//lint:ignore SA1019 see above
			if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, target); err != nil {
				return fmt.Errorf("river migrations: %w", err)
			}
			return nil
		}}
	}
	// Going down past this migration is not supported: River's tables stay.
	down := &goose.GoFunc{RunDB: func(context.Context, *sql.DB) error {
		return errors.New("the River schema migration cannot be undone")
	}}
	return goose.NewGoMigration(riverMigrationVersion, up, down)
}

// insertNotifyEvery is the least time between two of the store's notifications that a queue
// has new jobs. River sends at most one per queue per this period (its FetchCooldown, 100 ms
// by default); a job inserted after a notification was sent waits for the next one or for
// the workers' poll, so this bounds how late a new delivery can start.
const insertNotifyEvery = 2 * time.Millisecond

// newInserter returns the insert-only River client the store inserts jobs with; a non-nil
// clock stamps the jobs' times instead of the database (see UseJobClock).
func newInserter(driver riverdriver.Driver[*sql.Tx], clock rivertype.TimeGenerator) (*river.Client[*sql.Tx], error) {
	cfg := &river.Config{FetchCooldown: insertNotifyEvery}
	cfg.Test.Time = clock
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return c, nil
}

// UseJobClock makes the store stamp the jobs it inserts with clock's time, for tests whose
// job runner runs on a fake clock (jobs.Config.Time): a job to run at once is then due at the
// fake now, which the runner reaches, rather than at the database's real now, which a clock
// set in the past never reaches. Call it before the store inserts jobs.
func (s *Store) UseJobClock(clock rivertype.TimeGenerator) error {
	jobs, err := newInserter(s.riverDriver(), clock)
	if err != nil {
		return err
	}
	s.jobs = jobs
	return nil
}

// NewJobClient returns a River client that works jobs in this store's database, configured by
// cfg (queues, workers, fetch timing, logger). On PostgreSQL it also listens for River's
// notifications on a dedicated pgx pool, closed by Close. The caller starts and stops the
// client, and must stop it before closing the Store.
func (s *Store) NewJobClient(ctx context.Context, cfg *river.Config) (*river.Client[*sql.Tx], error) {
	driver := s.riverDriver()
	if s.dialect == dialectPostgres {
		pcfg, err := pgxpool.ParseConfig(s.postgresURL)
		if err != nil {
			return nil, fmt.Errorf("job client: %w", err)
		}
		pcfg.MinConns = 0
		pcfg.MaxConns = 2
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			return nil, fmt.Errorf("job client: connect the listener: %w", err)
		}
		s.listenMu.Lock()
		s.listenPools = append(s.listenPools, pool)
		s.listenMu.Unlock()
		driver = riverdatabasesql.NewWithPgxListener(s.writer, pool)
	}
	c, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("job client: %w", err)
	}
	return c, nil
}

// JobPollInterval is how often a job client looks for jobs unprompted. A new job wakes the
// clients sooner: PostgreSQL delivers River's insert notification at once (LISTEN/NOTIFY), and
// on SQLite River's listener reads its notification table every 50 ms. But River sends at
// most one notification per queue every insertNotifyEvery, and a job whose notification was
// left out because of it, committed just after the fetch the previous one caused, waits for
// the next notification or for this poll. Polling PostgreSQL is one cheap query, so it polls
// every 100 ms; polling SQLite takes the writer and about 1.5 ms of CPU, so it polls every
// second (an idle server would spend 10% of a core polling every 20 ms).
func (s *Store) JobPollInterval() time.Duration {
	if s.dialect == dialectSQLite {
		return time.Second
	}
	return 100 * time.Millisecond
}
