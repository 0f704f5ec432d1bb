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

// updateResult is what an Update method returns for the outcome err of its transaction: v on
// success, the caller's own error (callerError) as is, core.ErrNotFound for a missing row, and
// any other failure wrapped with what.
func updateResult[T any](v T, err error, what string) (T, error) {
	var zero T
	var ce callerError
	switch {
	case err == nil:
		return v, nil
	case errors.As(err, &ce):
		return zero, ce.error
	case errors.Is(err, sql.ErrNoRows):
		return zero, core.ErrNotFound
	}
	return zero, fmt.Errorf("%s: %w", what, err)
}
