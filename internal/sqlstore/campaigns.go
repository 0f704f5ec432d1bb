package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// campaignColumns is the select list scanCampaign reads.
const campaignColumns = `id, organization_id, name, status, agent_id, from_numbers, instructions,
	schedule, max_concurrent_calls, calls_per_second, retry, metadata, next_dial_at, tick_at,
	started_at, completed_at, canceled_at, created_at, updated_at`

func scanCampaign(r rowScanner) (dialtone.Campaign, error) {
	c := dialtone.Campaign{Object: "campaign"}
	var from, schedule, retry, metadata string
	var cps sql.NullFloat64
	var next, tick, started, completed, canceled, created, updated timestamp
	if err := r.Scan(&c.ID, &c.OrganizationID, &c.Name, &c.Status, &c.AgentID, &from, &c.Instructions,
		&schedule, &c.MaxConcurrentCalls, &cps, &retry, &metadata, &next, &tick, &started,
		&completed, &canceled, &created, &updated); err != nil {
		return dialtone.Campaign{}, err
	}
	if err := errors.Join(fromJSONText(from, "from_numbers", &c.FromNumbers),
		fromJSONText(schedule, "schedule", &c.Schedule), fromJSONText(retry, "retry", &c.Retry),
		fromJSONText(metadata, "metadata", &c.Metadata)); err != nil {
		return dialtone.Campaign{}, fmt.Errorf("campaign %s: %w", c.ID, err)
	}
	if cps.Valid {
		c.CallsPerSecond = &cps.Float64
	}
	c.NextDialAt, c.TickAt = next.Time, tick.ptr()
	c.StartedAt, c.CompletedAt, c.CanceledAt = started.ptr(), completed.ptr(), canceled.ptr()
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	return c, nil
}

// campaignValues returns the values of the columns a change may store, in the order of
// campaignInsert's $3… and campaignUpdate's $1….
func campaignValues(c dialtone.Campaign) ([]any, error) {
	from, err := jsonText(nonNilSlice(c.FromNumbers))
	if err != nil {
		return nil, err
	}
	schedule, err := jsonText(c.Schedule)
	if err != nil {
		return nil, err
	}
	retry, err := jsonText(c.Retry)
	if err != nil {
		return nil, err
	}
	metadata, err := jsonText(nonNilMap(c.Metadata))
	if err != nil {
		return nil, err
	}
	var cps any
	if c.CallsPerSecond != nil {
		cps = *c.CallsPerSecond
	}
	var next *time.Time
	if !c.NextDialAt.IsZero() {
		next = &c.NextDialAt
	}
	return []any{c.Name, c.Status, c.AgentID, from, c.Instructions, schedule, c.MaxConcurrentCalls,
		cps, retry, metadata, dbNullTime(next), dbNullTime(c.TickAt), dbNullTime(c.StartedAt),
		dbNullTime(c.CompletedAt), dbNullTime(c.CanceledAt), dbTime(c.UpdatedAt)}, nil
}

const campaignInsert = `INSERT INTO campaigns (id, organization_id, created_at, name, status,
	agent_id, from_numbers, instructions, schedule, max_concurrent_calls, calls_per_second,
	retry, metadata, next_dial_at, tick_at, started_at, completed_at, canceled_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`

const campaignUpdate = `UPDATE campaigns SET name = $1, status = $2, agent_id = $3,
	from_numbers = $4, instructions = $5, schedule = $6, max_concurrent_calls = $7,
	calls_per_second = $8, retry = $9, metadata = $10, next_dial_at = $11, tick_at = $12,
	started_at = $13, completed_at = $14, canceled_at = $15, updated_at = $16
	WHERE id = $17 AND organization_id = $18`

const campaignGet = `SELECT ` + campaignColumns + ` FROM campaigns WHERE id = $1 AND organization_id = $2`

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// InsertCampaign stores c as a new campaign of orgID.
func (s *Store) InsertCampaign(ctx context.Context, orgID string, c dialtone.Campaign) error {
	values, err := campaignValues(c)
	if err != nil {
		return fmt.Errorf("insert campaign: %w", err)
	}
	if _, err := s.writer.ExecContext(ctx, campaignInsert, append([]any{c.ID, orgID, dbTime(c.CreatedAt)}, values...)...); err != nil {
		return fmt.Errorf("insert campaign: %w", err)
	}
	return nil
}

// campaignProgress counts the leads of campaign id by status.
func campaignProgress(ctx context.Context, q querier, id string) (dialtone.CampaignProgress, error) {
	rows, err := q.QueryContext(ctx, `SELECT status, COUNT(*) FROM leads WHERE campaign_id = $1 GROUP BY status`, id)
	if err != nil {
		return dialtone.CampaignProgress{}, fmt.Errorf("campaign progress: %w", err)
	}
	defer rows.Close()
	var p dialtone.CampaignProgress
	for rows.Next() {
		var status dialtone.LeadStatus
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return dialtone.CampaignProgress{}, fmt.Errorf("campaign progress: %w", err)
		}
		p.Total += n
		switch status {
		case dialtone.LeadPending:
			p.Pending = n
		case dialtone.LeadCalling:
			p.Calling = n
		case dialtone.LeadCompleted:
			p.Completed = n
		case dialtone.LeadFailed:
			p.Failed = n
		case dialtone.LeadSkipped:
			p.Skipped = n
		case dialtone.LeadCanceled:
			p.Canceled = n
		}
	}
	return p, rows.Err()
}

// CampaignProgress counts the leads of campaign id by status.
func (s *Store) CampaignProgress(ctx context.Context, id string) (dialtone.CampaignProgress, error) {
	return campaignProgress(ctx, s.reader, id)
}

// GetCampaign returns orgID's campaign id (its progress not filled), or core.ErrNotFound.
func (s *Store) GetCampaign(ctx context.Context, orgID, id string) (dialtone.Campaign, error) {
	c, err := scanCampaign(s.reader.QueryRowContext(ctx, campaignGet, id, orgID))
	return found(c, err, "get campaign")
}

// ListCampaigns returns a page of orgID's campaigns matching f, newest first (their progress
// not filled).
func (s *Store) ListCampaigns(ctx context.Context, orgID string, f dialtone.CampaignFilter, lp dialtone.ListParams) ([]dialtone.Campaign, bool, error) {
	var filter where
	if f.Status != "" {
		filter = filter.and("status = ?", f.Status)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Campaign]{
		what: "list campaigns", table: "campaigns", columns: campaignColumns,
		scope: where{}.and("organization_id = ?", orgID), filter: filter, scan: scanCampaign,
	}, lp)
}

// lockCampaign reads orgID's campaign id under a row lock (PostgreSQL; SQLite serialises
// write transactions): sql.ErrNoRows when there is none.
func (s *Store) lockCampaign(ctx context.Context, tx *sql.Tx, orgID, id string) (dialtone.Campaign, error) {
	return scanCampaign(tx.QueryRowContext(ctx, campaignGet+s.dialect.lockRow(), id, orgID))
}

// storeCampaign writes c's changeable columns.
func storeCampaign(ctx context.Context, tx *sql.Tx, c dialtone.Campaign) error {
	values, err := campaignValues(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, campaignUpdate, append(values, c.ID, c.OrganizationID)...)
	return err
}

// cancelPendingLeads marks every pending lead of campaign id canceled at c's UpdatedAt.
func cancelPendingLeads(ctx context.Context, tx *sql.Tx, c dialtone.Campaign) error {
	t := dbTime(c.UpdatedAt)
	_, err := tx.ExecContext(ctx, `UPDATE leads SET status = 'canceled', next_attempt_at = NULL,
		deferred_from = NULL, completed_at = $1, updated_at = $1 WHERE campaign_id = $2 AND status = 'pending'`, t, c.ID)
	return err
}

// undeferLeads puts every pending lead of c a calling window deferred back to when it was
// due, at c's UpdatedAt.
func undeferLeads(ctx context.Context, tx *sql.Tx, c dialtone.Campaign) error {
	_, err := tx.ExecContext(ctx, `UPDATE leads SET next_attempt_at = deferred_from, deferred_from = NULL,
		updated_at = $1 WHERE campaign_id = $2 AND status = 'pending' AND deferred_from IS NOT NULL`, dbTime(c.UpdatedAt), c.ID)
	return err
}

// UpdateCampaign loads orgID's campaign id with its progress under a row lock, lets mutate
// change it and stores it with what mutate returns (see core.Store).
func (s *Store) UpdateCampaign(ctx context.Context, orgID, id string, mutate func(*dialtone.Campaign) (core.CampaignWrite, error)) (dialtone.Campaign, error) {
	var out dialtone.Campaign
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCampaign(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if c.Progress, err = campaignProgress(ctx, tx, id); err != nil {
			return err
		}
		w, err := mutate(&c)
		if err != nil {
			return callerError{err}
		}
		if err := storeCampaign(ctx, tx, c); err != nil {
			return err
		}
		if w.CancelLeads {
			if err := cancelPendingLeads(ctx, tx, c); err != nil {
				return err
			}
			if c.Progress, err = campaignProgress(ctx, tx, id); err != nil {
				return err
			}
		}
		if w.UndeferLeads {
			if err := undeferLeads(ctx, tx, c); err != nil {
				return err
			}
		}
		out = c
		return s.storeEffects(ctx, tx, orgID, w.Effects)
	})
	return updateResult(out, err, "update campaign")
}

// DeleteCampaign deletes orgID's campaign id and its leads when check allows it.
func (s *Store) DeleteCampaign(ctx context.Context, orgID, id string, check func(dialtone.Campaign) error) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCampaign(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		if err := check(c); err != nil {
			return callerError{err}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM leads WHERE campaign_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM campaigns WHERE id = $1`, id)
		return err
	})
	_, err = updateResult(struct{}{}, err, "delete campaign")
	return err
}

// ActiveCampaigns returns the scheduled and running campaigns whose dialer is not armed, or
// was armed for a time before staleBefore.
func (s *Store) ActiveCampaigns(ctx context.Context, staleBefore time.Time) ([][2]string, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT organization_id, id FROM campaigns
		WHERE status IN ('scheduled', 'running') AND (tick_at IS NULL OR tick_at < $1) ORDER BY seq`, dbTime(staleBefore))
	if err != nil {
		return nil, fmt.Errorf("active campaigns: %w", err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var org, id string
		if err := rows.Scan(&org, &id); err != nil {
			return nil, fmt.Errorf("active campaigns: %w", err)
		}
		out = append(out, [2]string{org, id})
	}
	return out, rows.Err()
}
