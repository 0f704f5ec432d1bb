package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// DialCampaign runs one turn of orgID's campaign id's dialer in one transaction (see
// core.Store): it locks the campaign's row, then its organization's call queue, reads the
// DialState and stores the plan.
func (s *Store) DialCampaign(ctx context.Context, orgID, id string, now time.Time, caps core.CallCounts, dueLimit int,
	plan func(core.DialState) (core.DialPlan, error)) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.lockCampaign(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		st := core.DialState{Campaign: c}
		if st.Org, err = s.lockOrganizationCalls(ctx, tx, orgID, caps); err != nil {
			return err
		}
		if st.Calling, st.Pending, st.NextDue, err = leadQueue(ctx, tx, id, now); err != nil {
			return err
		}
		if st.Due, err = dueLeads(ctx, tx, id, now, dueLimit); err != nil {
			return err
		}
		// The events of a turn that starts or may end the campaign carry its progress;
		// counting every lead is too dear for the other turns.
		ending := !st.Pending || c.Schedule.EndAt != nil && !now.Before(*c.Schedule.EndAt)
		if c.Status == dialtone.CampaignScheduled || ending {
			if st.Campaign.Progress, err = campaignProgress(ctx, tx, id); err != nil {
				return err
			}
		}
		numbers := make([]string, len(st.Due))
		for i, l := range st.Due {
			numbers[i] = l.PhoneNumber
		}
		if st.OptedOut, err = s.optedOutAmong(ctx, tx, orgID, numbers); err != nil {
			return fmt.Errorf("dial campaign: opt-outs: %w", err)
		}
		p, err := plan(st)
		if err != nil {
			return callerError{err}
		}
		return s.storeDialPlan(ctx, tx, orgID, p)
	})
	_, err = updateResult(struct{}{}, err, "dial campaign")
	return err
}

// leadQueue reads the state of a campaign's queue of leads: how many are calling, whether
// any is pending, and the earliest next attempt of those pending leads that are not due at
// now.
func leadQueue(ctx context.Context, tx *sql.Tx, id string, now time.Time) (calling int, pending bool, nextDue *time.Time, err error) {
	var next timestamp
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM leads WHERE campaign_id = $1 AND status = 'calling'),
		EXISTS (SELECT 1 FROM leads WHERE campaign_id = $1 AND status = 'pending'),
		(SELECT MIN(next_attempt_at) FROM leads WHERE campaign_id = $1 AND status = 'pending'
			AND next_attempt_at > $2)`, id, dbTime(now)).Scan(&calling, &pending, &next)
	if err != nil {
		return 0, false, nil, fmt.Errorf("dial campaign: lead queue: %w", err)
	}
	return calling, pending, next.ptr(), nil
}

// dueLeads returns at most limit pending leads of a campaign whose next attempt is at or
// before now, earliest first, in upload order among equals.
func dueLeads(ctx context.Context, tx *sql.Tx, id string, now time.Time, limit int) ([]dialtone.Lead, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+leadColumns+` FROM leads WHERE campaign_id = $1
		AND status = 'pending' AND next_attempt_at <= $2 ORDER BY next_attempt_at, seq LIMIT $3`,
		id, dbTime(now), max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("dial campaign: due leads: %w", err)
	}
	defer rows.Close()
	var out []dialtone.Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, fmt.Errorf("dial campaign: due leads: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// storeDialPlan writes a dialer turn's plan: the campaign, its new calls (each in the
// organization's queue), the leads it changed (only those still pending), the cancellation
// of waiting leads, and the effects.
func (s *Store) storeDialPlan(ctx context.Context, tx *sql.Tx, orgID string, p core.DialPlan) error {
	if err := storeCampaign(ctx, tx, p.Campaign); err != nil {
		return fmt.Errorf("dial campaign: store campaign: %w", err)
	}
	for _, l := range p.Leads {
		ok, err := storeLead(ctx, tx, l, dialtone.LeadPending)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("dial campaign: lead %s is no longer pending", l.ID)
		}
	}
	for _, c := range p.Calls {
		c.OrganizationID = orgID
		if err := insertCall(ctx, tx, c); err != nil {
			return fmt.Errorf("dial campaign: queue call: %w", err)
		}
	}
	if p.CancelLeads {
		if err := cancelPendingLeads(ctx, tx, p.Campaign); err != nil {
			return fmt.Errorf("dial campaign: cancel leads: %w", err)
		}
	}
	return s.storeEffects(ctx, tx, orgID, p.Effects)
}
