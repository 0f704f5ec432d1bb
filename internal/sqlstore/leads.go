package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// leadColumns is the select list scanLead reads.
const leadColumns = `seq, id, campaign_id, phone_number, variables, timezone, zone_from_campaign,
	status, attempts, outcome, call_id, next_attempt_at, completed_at, created_at, updated_at,
	deferred_from`

func scanLead(r rowScanner) (dialtone.Lead, error) {
	l := dialtone.Lead{Object: "lead"}
	var variables string
	var outcome, callID sql.NullString
	var next, completed, created, updated, deferred timestamp
	if err := r.Scan(&l.Seq, &l.ID, &l.CampaignID, &l.PhoneNumber, &variables, &l.Timezone,
		&l.ZoneFromCampaign, &l.Status, &l.Attempts, &outcome, &callID, &next, &completed,
		&created, &updated, &deferred); err != nil {
		return dialtone.Lead{}, err
	}
	if err := fromJSONText(variables, "variables", &l.Variables); err != nil {
		return dialtone.Lead{}, fmt.Errorf("lead %s: %w", l.ID, err)
	}
	if l.Variables == nil {
		l.Variables = map[string]string{}
	}
	if outcome.Valid {
		o := dialtone.LeadOutcome(outcome.String)
		l.Outcome = &o
	}
	if callID.Valid {
		l.CallID = &callID.String
	}
	l.NextAttemptAt, l.CompletedAt, l.DeferredFrom = next.ptr(), completed.ptr(), deferred.ptr()
	l.CreatedAt, l.UpdatedAt = created.Time, updated.Time
	return l, nil
}

// leadInsertRows is how many leads one INSERT statement stores (16 values each, under
// SQLite's 32,766 parameters and PostgreSQL's 65,535).
const leadInsertRows = 500

// insertLeads stores ls as new leads of orgID, several per statement.
func (s *Store) insertLeads(ctx context.Context, tx *sql.Tx, orgID string, ls []dialtone.Lead) error {
	for len(ls) > 0 {
		n := min(len(ls), leadInsertRows)
		var b strings.Builder
		b.WriteString(`INSERT INTO leads (id, organization_id, campaign_id, phone_number, variables,
			timezone, zone_from_campaign, status, attempts, next_attempt_at, created_at, updated_at) VALUES `)
		args := make([]any, 0, n*12)
		for i, l := range ls[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range 12 {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(s.dialect.param(len(args) + j + 1))
			}
			b.WriteByte(')')
			variables, err := jsonText(nonNilMap(l.Variables))
			if err != nil {
				return err
			}
			args = append(args, l.ID, orgID, l.CampaignID, l.PhoneNumber, variables, l.Timezone,
				l.ZoneFromCampaign, l.Status, l.Attempts, dbNullTime(l.NextAttemptAt),
				dbTime(l.CreatedAt), dbTime(l.UpdatedAt))
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert leads: %w", err)
		}
		ls = ls[n:]
	}
	return nil
}

// lookupChunk is how many numbers one IN (…) lookup names.
const lookupChunk = 500

// numbersIn returns which of numbers query finds: query has its fixed args as $1…, then an IN
// list written as (%s), which gets one parameter per number.
func (s *Store) numbersIn(ctx context.Context, q querier, query string, fixed []any, numbers []string) (map[string]bool, error) {
	found := make(map[string]bool)
	for start := 0; start < len(numbers); start += lookupChunk {
		chunk := numbers[start:min(start+lookupChunk, len(numbers))]
		marks := make([]string, len(chunk))
		args := append([]any{}, fixed...)
		for i, n := range chunk {
			marks[i] = s.dialect.param(len(fixed) + i + 1)
			args = append(args, n)
		}
		rows, err := q.QueryContext(ctx, fmt.Sprintf(query, strings.Join(marks, ", ")), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return nil, err
			}
			found[n] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// optedOutAmong returns which of numbers opted out of orgID's messages.
func (s *Store) optedOutAmong(ctx context.Context, q querier, orgID string, numbers []string) (map[string]bool, error) {
	return s.numbersIn(ctx, q, `SELECT phone_number FROM opt_outs WHERE organization_id = $1 AND phone_number IN (%s)`,
		[]any{orgID}, numbers)
}

// AddLeads stores the leads decide returns for orgID's campaign id (see core.Store).
func (s *Store) AddLeads(ctx context.Context, orgID, id string, numbers []string,
	decide func(c dialtone.Campaign, existing, optedOut map[string]bool) ([]dialtone.Lead, error)) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCampaign(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if c.Progress, err = campaignProgress(ctx, tx, id); err != nil {
			return err
		}
		existing, err := s.numbersIn(ctx, tx, `SELECT phone_number FROM leads WHERE campaign_id = $1 AND phone_number IN (%s)`,
			[]any{id}, numbers)
		if err != nil {
			return fmt.Errorf("existing leads: %w", err)
		}
		opted, err := s.optedOutAmong(ctx, tx, orgID, numbers)
		if err != nil {
			return fmt.Errorf("opted-out leads: %w", err)
		}
		ls, err := decide(c, existing, opted)
		if err != nil {
			return callerError{err}
		}
		return s.insertLeads(ctx, tx, orgID, ls)
	})
	_, err = updateResult(struct{}{}, err, "add leads")
	return err
}

const leadGet = `SELECT ` + leadColumns + ` FROM leads WHERE id = $1 AND campaign_id = $2 AND organization_id = $3`

// GetLead returns a lead of orgID's campaign campaignID, or core.ErrNotFound.
func (s *Store) GetLead(ctx context.Context, orgID, campaignID, id string) (dialtone.Lead, error) {
	l, err := scanLead(s.reader.QueryRowContext(ctx, leadGet, id, campaignID, orgID))
	return found(l, err, "get lead")
}

// ListLeads returns a page of a campaign's leads matching f, newest first.
func (s *Store) ListLeads(ctx context.Context, orgID, campaignID string, f dialtone.LeadFilter, lp dialtone.ListParams) ([]dialtone.Lead, bool, error) {
	var filter where
	if f.Status != "" {
		filter = filter.and("status = ?", f.Status)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Lead]{
		what: "list leads", table: "leads", columns: leadColumns,
		scope:  where{}.and("campaign_id = ?", campaignID).and("organization_id = ?", orgID),
		filter: filter, scan: scanLead,
	}, lp)
}

// DeleteLead deletes a lead of orgID's campaign when check allows it.
func (s *Store) DeleteLead(ctx context.Context, orgID, campaignID, id string, check func(dialtone.Lead) error) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		l, err := scanLead(tx.QueryRowContext(ctx, leadGet+s.dialect.lockRow(), id, campaignID, orgID))
		if err != nil {
			return err
		}
		if err := check(l); err != nil {
			return callerError{err}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM leads WHERE id = $1`, id)
		return err
	})
	_, err = updateResult(struct{}{}, err, "delete lead")
	return err
}

// storeLead writes the columns of a lead an attempt changes; when onlyIf is not "", only if
// the lead still has that status. It reports whether it wrote.
func storeLead(ctx context.Context, tx *sql.Tx, l dialtone.Lead, onlyIf dialtone.LeadStatus) (bool, error) {
	q := `UPDATE leads SET status = $1, attempts = $2, outcome = $3, call_id = $4,
		next_attempt_at = $5, completed_at = $6, updated_at = $7, deferred_from = $8 WHERE id = $9`
	args := []any{l.Status, l.Attempts, nullText(l.Outcome), nullText(l.CallID),
		dbNullTime(l.NextAttemptAt), dbNullTime(l.CompletedAt), dbTime(l.UpdatedAt), dbNullTime(l.DeferredFrom), l.ID}
	if onlyIf != "" {
		q += ` AND status = $10`
		args = append(args, onlyIf)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("store lead: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// finishAttempt applies the end of a campaign call to its lead, in the call's transaction:
// when the lead is still calling with the call, a.Finish changes it, and the lead and the
// effects Finish returns are stored.
func (s *Store) finishAttempt(ctx context.Context, tx *sql.Tx, orgID string, a core.LeadAttempt) error {
	l, err := scanLead(tx.QueryRowContext(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = $1`+s.dialect.lockRow(), a.LeadID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted with its campaign's draft, which never had calls; nothing to do
	}
	if err != nil {
		return fmt.Errorf("finish attempt: %w", err)
	}
	if l.Status != dialtone.LeadCalling || l.CallID == nil || *l.CallID != a.CallID {
		return nil
	}
	c, err := scanCampaign(tx.QueryRowContext(ctx, campaignGet, l.CampaignID, orgID))
	if err != nil {
		return fmt.Errorf("finish attempt: campaign: %w", err)
	}
	fx := a.Finish(&l, c)
	if _, err := storeLead(ctx, tx, l, ""); err != nil {
		return err
	}
	return s.storeEffects(ctx, tx, orgID, fx)
}
