package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// where is a conjunction of SQL conditions. Each "?" in a condition stands for the next of
// args; render numbers them $1, $2, … in order.
type where struct {
	conds []string
	args  []any
}

// and returns w with one more condition; w itself is not changed.
func (w where) and(cond string, args ...any) where {
	return where{
		conds: append(slices.Clip(w.conds), cond),
		args:  append(slices.Clip(w.args), args...),
	}
}

// andAll returns w with every condition of o added; neither is changed.
func (w where) andAll(o where) where {
	return where{
		conds: append(slices.Clip(w.conds), o.conds...),
		args:  append(slices.Clip(w.args), o.args...),
	}
}

// render returns the conditions joined with AND, "?" replaced by $n, and their arguments.
func (w where) render() (string, []any) {
	if len(w.conds) == 0 {
		return "TRUE", nil
	}
	var b strings.Builder
	n := 0
	for i, c := range w.conds {
		if i > 0 {
			b.WriteString(" AND ")
		}
		for _, r := range c {
			if r == '?' {
				n++
				b.WriteString("$" + strconv.Itoa(n))
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String(), w.args
}

// listSpec describes one cursor-paginated list over a table with a seq column.
type listSpec[T any] struct {
	what    string // for errors: "list agents"
	table   string
	columns string // the select list scan reads
	// seqColumn orders the list, newest (highest) first, and keys its cursors; "" means seq.
	// It must be unique among the rows of the scope.
	seqColumn string
	// scope selects the rows of the list; a cursor must name one of them.
	scope where
	// filter narrows the rows returned further, but not the rows a cursor may name, so a
	// cursor stays valid when the named row stops matching a filter.
	filter where
	scan   func(rowScanner) (T, error)
}

// pageLimit is lp.Limit clamped to 1..MaxListLimit, DefaultListLimit when unset.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return dialtone.DefaultListLimit
	case limit > dialtone.MaxListLimit:
		return dialtone.MaxListLimit
	}
	return limit
}

// orderColumn is the column that orders the list: seqColumn, else seq.
func (spec listSpec[T]) orderColumn() string {
	if spec.seqColumn != "" {
		return spec.seqColumn
	}
	return "seq"
}

// listPage returns one page of the list spec describes, newest (highest seq, or seqColumn)
// first, and
// whether more rows follow in the direction of travel: older rows without a cursor or with
// StartingAfter, newer rows with EndingBefore. With EndingBefore the page is the limit rows
// just newer than the cursor. A cursor that is not a row of the list's scope, or both cursors
// at once, give core.ErrBadCursor.
func listPage[T any](ctx context.Context, db *sql.DB, spec listSpec[T], lp dialtone.ListParams) ([]T, bool, error) {
	if lp.StartingAfter != "" && lp.EndingBefore != "" {
		return nil, false, core.ErrBadCursor
	}
	limit := pageLimit(lp.Limit)
	w := spec.scope.andAll(spec.filter)
	order := "DESC"
	if cursor := lp.StartingAfter + lp.EndingBefore; cursor != "" {
		seq, err := cursorSeq(ctx, db, spec, cursor)
		if err != nil {
			return nil, false, err
		}
		if lp.StartingAfter != "" {
			w = w.and(spec.orderColumn()+" < ?", seq)
		} else {
			w = w.and(spec.orderColumn()+" > ?", seq)
			order = "ASC"
		}
	}
	cond, args := w.render()
	query := "SELECT " + spec.columns + " FROM " + spec.table + " WHERE " + cond +
		" ORDER BY " + spec.orderColumn() + " " + order + " LIMIT " + strconv.Itoa(limit+1)
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", spec.what, err)
	}
	defer rows.Close()
	items := make([]T, 0, limit+1)
	for rows.Next() {
		item, err := spec.scan(rows)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", spec.what, err)
		}
		items = append(items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", spec.what, err)
	}
	hasMore := len(items) > limit
	items = items[:min(len(items), limit)]
	if order == "ASC" {
		slices.Reverse(items)
	}
	return items, hasMore, nil
}

// cursorSeq returns the seq (or seqColumn) of the row of spec's scope with the given id, or
// core.ErrBadCursor.
func cursorSeq[T any](ctx context.Context, db *sql.DB, spec listSpec[T], id string) (int64, error) {
	cond, args := spec.scope.and("id = ?", id).render()
	var seq int64
	err := db.QueryRowContext(ctx, "SELECT "+spec.orderColumn()+" FROM "+spec.table+" WHERE "+cond, args...).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, core.ErrBadCursor
	}
	if err != nil {
		return 0, fmt.Errorf("%s: look up cursor: %w", spec.what, err)
	}
	return seq, nil
}
