package sqlstore

import (
	"context"
	"fmt"

	"github.com/dialtonehq/dialtone"
)

// ledgerColumns is the select list scanLedgerEntry reads.
const ledgerColumns = `id, kind, amount_micros, currency, description, reference_id, created_at`

func scanLedgerEntry(r rowScanner) (dialtone.LedgerEntry, error) {
	e := dialtone.LedgerEntry{Object: "ledger_entry"}
	var created timestamp
	if err := r.Scan(&e.ID, &e.Kind, &e.Amount.AmountMicros, &e.Amount.Currency, &e.Description,
		&e.ReferenceID, &created); err != nil {
		return dialtone.LedgerEntry{}, err
	}
	e.CreatedAt = created.Time
	return e, nil
}

func insertLedgerEntry(ctx context.Context, db querier, orgID string, e dialtone.LedgerEntry) error {
	_, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (id, organization_id, kind,
		amount_micros, currency, description, reference_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, orgID, e.Kind, e.Amount.AmountMicros, e.Amount.Currency, e.Description, e.ReferenceID,
		dbTime(e.CreatedAt))
	return err
}

// ledgerBalance sums orgID's ledger, 0 when it has no entry.
func ledgerBalance(ctx context.Context, db querier, orgID string) (int64, error) {
	var sum int64
	err := db.QueryRowContext(ctx,
		`SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries WHERE organization_id = $1`, orgID,
	).Scan(&sum)
	return sum, err
}

// InsertLedgerEntry stores e in orgID's ledger. Entries are immutable: the Store has no
// method that updates or deletes one. The organization must exist (foreign key).
func (s *Store) InsertLedgerEntry(ctx context.Context, orgID string, e dialtone.LedgerEntry) error {
	if err := insertLedgerEntry(ctx, s.writer, orgID, e); err != nil {
		return fmt.Errorf("insert ledger entry: %w", err)
	}
	return nil
}

// Balance returns the sum of orgID's ledger in micro-dollars, 0 when it has no entry (also
// for an unknown organization).
func (s *Store) Balance(ctx context.Context, orgID string) (int64, error) {
	sum, err := ledgerBalance(ctx, s.reader, orgID)
	if err != nil {
		return 0, fmt.Errorf("balance: %w", err)
	}
	return sum, nil
}

// ListLedgerEntries returns a page of orgID's ledger, newest first, and whether more follow;
// see listPage for the paging rules.
func (s *Store) ListLedgerEntries(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.LedgerEntry, bool, error) {
	return listPage(ctx, s.reader, listSpec[dialtone.LedgerEntry]{
		what:    "list ledger entries",
		table:   "ledger_entries",
		columns: ledgerColumns,
		scope:   where{}.and("organization_id = ?", orgID),
		scan:    scanLedgerEntry,
	}, lp)
}
