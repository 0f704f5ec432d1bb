package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
)

// rentalBatch is how many due numbers ChargeRentals reads at a time.
const rentalBatch = 100

// ChargeRentals charges every live number whose rental is paid through now or earlier for one
// more period: in one transaction per charge it moves the number's paid_through from p to
// next(p), but only if it is still p (so several processes sweeping at once charge each period
// once), and inserts charge(n, p) in the organization's ledger. A number several periods
// behind is charged once per period. It returns how many charges it stored.
//
// A NULL paid_through (a number provisioned before rentals were swept, whose first month was
// charged at provisioning) first becomes next(created_at), without a charge.
func (s *Store) ChargeRentals(ctx context.Context, now time.Time, next func(time.Time) time.Time,
	charge func(n dialtone.PhoneNumber, period time.Time) dialtone.LedgerEntry) (int, error) {
	charged := 0
	for {
		type due struct {
			org string
			n   dialtone.PhoneNumber
		}
		rows, err := s.reader.QueryContext(ctx, `SELECT organization_id, `+phoneNumberColumns+` FROM phone_numbers
			WHERE released_at IS NULL AND source = 'provisioned' AND (paid_through IS NULL OR paid_through <= $1)
			ORDER BY paid_through LIMIT `+fmt.Sprint(rentalBatch), dbTime(now))
		if err != nil {
			return charged, fmt.Errorf("due rentals: %w", err)
		}
		var batch []due
		for rows.Next() {
			var d due
			n, err := scanPhoneNumber(prefix(rows, &d.org))
			if err != nil {
				rows.Close()
				return charged, fmt.Errorf("due rentals: %w", err)
			}
			d.n = n
			batch = append(batch, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return charged, fmt.Errorf("due rentals: %w", err)
		}
		if len(batch) == 0 {
			return charged, nil
		}
		progress := false // a batch that changes nothing would be read again forever
		for _, d := range batch {
			if d.n.PaidThrough.IsZero() {
				if _, err := s.writer.ExecContext(ctx, `UPDATE phone_numbers SET paid_through = $1
					WHERE id = $2 AND paid_through IS NULL`, dbTime(next(d.n.CreatedAt)), d.n.ID); err != nil {
					return charged, fmt.Errorf("start rental of %s: %w", d.n.ID, err)
				}
				progress = true
				continue
			}
			err := s.inTx(ctx, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx, `UPDATE phone_numbers SET paid_through = $1
					WHERE id = $2 AND paid_through = $3 AND released_at IS NULL`,
					dbTime(next(d.n.PaidThrough)), d.n.ID, dbTime(d.n.PaidThrough))
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil || n == 0 {
					return err // another process charged this period, or the number was released
				}
				charged++
				progress = true
				return insertLedgerEntry(ctx, tx, d.org, charge(d.n, d.n.PaidThrough))
			})
			if err != nil {
				return charged, fmt.Errorf("charge rental of %s: %w", d.n.ID, err)
			}
		}
		if !progress {
			return charged, nil
		}
	}
}

// prefixed scans leading columns into first and the rest with the wrapped scanner.
type prefixed struct {
	r     rowScanner
	first []any
}

// prefix returns r reading the columns before the scanned type's own into first, in order.
func prefix(r rowScanner, first ...any) prefixed { return prefixed{r, first} }

func (p prefixed) Scan(dest ...any) error {
	return p.r.Scan(append(p.first[:len(p.first):len(p.first)], dest...)...)
}
