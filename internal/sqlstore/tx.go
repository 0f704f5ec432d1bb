package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/dialtonehq/dialtone/internal/core"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is what *sql.Row and *sql.Rows share.
type rowScanner interface {
	Scan(dest ...any) error
}

// inTx runs fn in a transaction on the writer pool and commits when fn returns nil; otherwise
// it rolls back and returns fn's error as is. On SQLite the transaction begins IMMEDIATE on
// the only writer connection, so it excludes every other write transaction of the process.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}

// callerError carries, out of a transaction, an error of the caller's mutate function, which an
// Update method returns as is.
type callerError struct{ error }

// found is what a Get method returns for v read with err: v, core.ErrNotFound when there was
// no such row, or err wrapped with what.
func found[T any](v T, err error, what string) (T, error) {
	var zero T
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, sql.ErrNoRows):
		return zero, core.ErrNotFound
	}
	return zero, fmt.Errorf("%s: %w", what, err)
}

// updateResult is what an Update method returns for the outcome err of its transaction: v on
// success, the caller's own error (callerError) as is, core.ErrNotFound for a missing row, and
// any other failure wrapped with what.
func updateResult[T any](v T, err error, what string) (T, error) {
	if ce, ok := errors.AsType[callerError](err); ok {
		var zero T
		return zero, ce.error
	}
	return found(v, err, what)
}

// rowUpdate describes a load-mutate-store of one organization-scoped row: get selects it by
// ($1 id, $2 organization id), update writes values(v) then ($n id, $n+1 organization id)
// and returns the row's columns, scan reads them.
type rowUpdate[T any] struct {
	what        string // for errors, e.g. "update agent"
	get, update string
	scan        func(rowScanner) (T, error)
	values      func(T) ([]any, error)
}

// updateRow loads orgID's row id under a row lock (PostgreSQL; on SQLite the only writer
// connection), lets mutate change it and stores it, in one transaction, and returns the row
// as stored; core.ErrNotFound when there is no such row, mutate's error as is (nothing
// changes then). mutate runs inside the transaction: it must be quick and must not call the
// Store.
func updateRow[T any](ctx context.Context, s *Store, u rowUpdate[T], orgID, id string, mutate func(*T) error) (T, error) {
	var updated T
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		v, err := u.scan(tx.QueryRowContext(ctx, u.get+s.dialect.lockRow(), id, orgID))
		if err != nil {
			return err
		}
		if err := mutate(&v); err != nil {
			return callerError{err}
		}
		values, err := u.values(v)
		if err != nil {
			return err
		}
		updated, err = u.scan(tx.QueryRowContext(ctx, u.update, append(values, id, orgID)...))
		return err
	})
	return updateResult(updated, err, u.what)
}
