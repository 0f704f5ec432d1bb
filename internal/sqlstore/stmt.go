package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// preparedQuery is a query of a hot path, prepared once on a pool and kept by the Store, so
// that SQLite does not parse the SQL again on every call. database/sql prepares it again,
// transparently, on each connection of the pool that runs it. It is prepared on first use
// rather than in Open because Open runs before Migrate has created the tables. A failed
// preparation is not remembered: the next call tries again.
//
// Unless prepare is set the query runs as plain SQL. PostgreSQL needs nothing more: pgx
// already prepares each query once per connection in its statement cache, which, unlike a
// statement prepared here, recovers by itself when a migration changes a column's type.
type preparedQuery struct {
	db      *sql.DB
	query   string
	prepare bool

	mu   sync.Mutex // serialises preparation
	stmt atomic.Pointer[sql.Stmt]
}

func newPreparedQuery(db *sql.DB, query string, prepare bool) *preparedQuery {
	return &preparedQuery{db: db, query: query, prepare: prepare}
}

// queryRow runs the query with args and returns its row, as sql.DB.QueryRowContext does; a
// failure to prepare is returned by the row's Scan.
func (p *preparedQuery) queryRow(ctx context.Context, args ...any) rowScanner {
	if !p.prepare {
		return p.db.QueryRowContext(ctx, p.query, args...)
	}
	stmt, err := p.prepared(ctx)
	if err != nil {
		return errRow{err}
	}
	return stmt.QueryRowContext(ctx, args...)
}

func (p *preparedQuery) prepared(ctx context.Context) (*sql.Stmt, error) {
	if stmt := p.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if stmt := p.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	stmt, err := p.db.PrepareContext(ctx, p.query)
	if err != nil {
		return nil, err
	}
	p.stmt.Store(stmt)
	return stmt, nil
}

// close closes the statement, if it was prepared.
func (p *preparedQuery) close() error {
	if stmt := p.stmt.Swap(nil); stmt != nil {
		return stmt.Close()
	}
	return nil
}

// errRow is a row whose Scan returns err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
