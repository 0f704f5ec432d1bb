package sqlstore

import (
	"strconv"

	"github.com/pressly/goose/v3"
)

// dialect names the database engine behind a Store. Almost all SQL is shared; the few places
// where the engines differ ask the dialect.
type dialect string

const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
)

// goose returns the dialect's name in goose.
func (d dialect) goose() goose.Dialect {
	if d == dialectPostgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// migrationsDir is the directory of the embedded migrations for the dialect.
func (d dialect) migrationsDir() string { return "migrations/" + string(d) }

// lockRow is appended to a SELECT inside a write transaction to lock the rows it reads until
// the transaction ends. PostgreSQL takes a row lock; FOR NO KEY UPDATE is enough because no
// transaction here changes a key column, and it does not block inserts of rows that reference
// the locked one. SQLite needs nothing: every write transaction runs on the one writer
// connection and begins IMMEDIATE, so write transactions never overlap.
func (d dialect) lockRow() string {
	if d == dialectPostgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// param is the placeholder of the n-th (from 1) argument of a statement built with many of
// them: $n on PostgreSQL, ? on SQLite, which looks every numbered parameter up in a list
// (6,000 of them made a batch insert of leads spend 70% of its time on the lookups).
func (d dialect) param(n int) string {
	if d == dialectPostgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// utcDay is an SQL expression for the UTC date ("2006-01-02") of the timestamp column col.
// SQLite stores timestamps as text in UTC (see dbTime), whose first ten characters are the
// date.
func (d dialect) utcDay(col string) string {
	if d == dialectPostgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}
