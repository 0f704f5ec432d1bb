// Package sqlstore is Dialtone's persistence over database/sql, for SQLite (the embedded
// default) and PostgreSQL (several nodes sharing one database). It implements core.Store with
// one set of SQL where the two engines agree and small, explicit per-dialect pieces (see
// dialect.go) where they do not. The schema is created by embedded migrations (Store.Migrate).
//
// The store writes every time in UTC, truncated to the microsecond (PostgreSQL's precision),
// and returns every time in UTC, so both engines round-trip exactly the same values.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver

	"github.com/dialtonehq/dialtone/internal/core"
)

// SQLiteFileName is the name of the SQLite database file inside Options.DataDir.
const SQLiteFileName = "dialtone.db"

// Connection pool sizes.
const (
	sqliteReaders       = 4
	postgresConns       = 20
	postgresIdleConns   = 20
	postgresMaxIdleTime = 5 * time.Minute
	postgresMaxLifetime = time.Hour
)

// Options selects the database.
type Options struct {
	// DatabaseURL is a postgres:// or postgresql:// URL to use PostgreSQL; empty means SQLite.
	DatabaseURL string
	// DataDir holds the SQLite file (SQLiteFileName); it is created with mode 0700 when missing.
	// Required when DatabaseURL is empty, ignored otherwise.
	DataDir string
}

// Store implements core.Store on SQLite or PostgreSQL. It is safe for concurrent use. Open
// does not create the schema; call Migrate before using the other methods.
type Store struct {
	dialect dialect
	// writer runs every write and every transaction. On SQLite it holds exactly one
	// connection, so write transactions are serialised in the process.
	writer *sql.DB
	// reader runs plain reads. On SQLite it is a separate read-only pool that reads in
	// parallel with the writer (WAL); on PostgreSQL it is the same pool as writer.
	reader *sql.DB
	// getKey and getAgent are the queries of GetKey and GetAgent, which every authenticated
	// request runs, on reader (prepared there on SQLite; see preparedQuery).
	getKey, getAgent *preparedQuery
	// jobs inserts River jobs in the store's transactions (see jobs.go).
	jobs *river.Client[*sql.Tx]
	// postgresURL is the database URL on PostgreSQL ("" on SQLite), for NewJobClient's
	// listener pool.
	postgresURL string
	// listenPools are the pgx pools NewJobClient opened, closed by Close.
	listenMu    sync.Mutex
	listenPools []*pgxpool.Pool
}

// newStore returns a Store over its pools; reader may be writer.
func newStore(d dialect, writer, reader *sql.DB) (*Store, error) {
	prepare := d == dialectSQLite
	s := &Store{
		dialect:  d,
		writer:   writer,
		reader:   reader,
		getKey:   newPreparedQuery(reader, keyGet, prepare),
		getAgent: newPreparedQuery(reader, agentGet, prepare),
	}
	jobs, err := newInserter(s.riverDriver(), nil)
	if err != nil {
		return nil, errors.Join(err, s.Close())
	}
	s.jobs = jobs
	return s, nil
}

var _ core.Store = (*Store)(nil)

// Open connects to the database opts names and checks that it answers. It does not migrate.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.DatabaseURL == "" {
		return openSQLite(ctx, opts.DataDir)
	}
	u, err := url.Parse(opts.DatabaseURL)
	if err != nil {
		// url.Error repeats the URL, which may hold a password: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		return openPostgres(ctx, u)
	default:
		return nil, fmt.Errorf("unsupported database URL scheme %q: use a postgres:// or postgresql:// URL for PostgreSQL, or no URL for SQLite", u.Scheme)
	}
}

// sqliteParams are the DSN parameters of every SQLite connection. The driver applies them to
// each new connection of a pool, so no connection misses a pragma.
func sqliteParams(readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Write times as "2006-01-02 15:04:05.999999999-07:00", SQLite's own format, which its
	// date functions understand and which sorts as text for UTC times.
	q.Set("_time_format", "sqlite")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// BEGIN IMMEDIATE: a write transaction takes the write lock when it starts, so it
		// cannot fail half way with SQLITE_BUSY when it upgrades from reading to writing.
		q.Set("_txlock", "immediate")
	}
	return q.Encode()
}

func openSQLite(ctx context.Context, dataDir string) (*Store, error) {
	if dataDir == "" {
		return nil, errors.New("open sqlite database: no data directory given (and no database URL for PostgreSQL)")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, SQLiteFileName)
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open sqlite database at %s: the path must not contain '?'", path)
	}
	writer, err := openSQLitePool(ctx, path, false)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0)
	writer.SetConnMaxLifetime(0)
	// The writer connected first, so the file exists and is in WAL mode before any reader
	// opens it.
	reader, err := openSQLitePool(ctx, path, true)
	if err != nil {
		_ = writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(sqliteReaders)
	reader.SetMaxIdleConns(sqliteReaders)
	return newStore(dialectSQLite, writer, reader)
}

func openSQLitePool(ctx context.Context, path string, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+sqliteParams(readOnly))
	if err != nil {
		return nil, fmt.Errorf("open sqlite database at %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite database at %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, u *url.URL) (*Store, error) {
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("open postgresql database %s: %w", u.Redacted(), err)
	}
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresIdleConns)
	db.SetConnMaxIdleTime(postgresMaxIdleTime)
	db.SetConnMaxLifetime(postgresMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to postgresql database %s: %w", u.Redacted(), err)
	}
	s, err := newStore(dialectPostgres, db, db)
	if err != nil {
		return nil, err
	}
	s.postgresURL = u.String()
	return s, nil
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return string(s.dialect) }

// Close closes the prepared statements and the connection pools. The Store must not be used
// afterwards.
func (s *Store) Close() error {
	err := errors.Join(s.getKey.close(), s.getAgent.close(), s.writer.Close())
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	s.listenMu.Lock()
	defer s.listenMu.Unlock()
	for _, p := range s.listenPools {
		p.Close()
	}
	s.listenPools = nil
	return err
}

// Ping checks that the database answers, through every pool the Store reads and writes with.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if s.reader != s.writer {
		if err := s.reader.PingContext(ctx); err != nil {
			return fmt.Errorf("ping database (read pool): %w", err)
		}
	}
	return nil
}
