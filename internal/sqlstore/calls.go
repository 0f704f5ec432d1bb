package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// callColumns is the select list scanCall reads.
const callColumns = `id, organization_id, direction, status, agent_id, phone_number_id, from_number,
	to_number, carrier, instructions, variables, metadata, ring_timeout_seconds, answered_by,
	ended_reason, queued_at, dialed_at, started_at, ended_at, duration_seconds, cost_micros,
	created_at, updated_at, node_id, transcript, latency, summary, recording, transferred_to,
	campaign_id, lead_id, attempt, carrier_error`

// callLiveStatuses is the SQL list of the statuses that hold a concurrency slot.
const callLiveStatuses = `('dialing', 'ringing', 'in_progress')`

func scanCall(r rowScanner) (dialtone.Call, error) {
	c := dialtone.Call{Object: "call"}
	var agentID, answeredBy, endedReason, node, latency, summary, recording, transferred, campaign, lead, carrierError sql.NullString
	var variables, metadata, transcript string
	var queued, dialed, started, ended, created, updated timestamp
	var cost int64
	if err := r.Scan(&c.ID, &c.OrganizationID, &c.Direction, &c.Status, &agentID, &c.PhoneNumberID,
		&c.FromNumber, &c.ToNumber, &c.Carrier, &c.Instructions, &variables, &metadata,
		&c.RingTimeoutSeconds, &answeredBy, &endedReason, &queued, &dialed, &started, &ended,
		&c.DurationSeconds, &cost, &created, &updated, &node, &transcript, &latency, &summary,
		&recording, &transferred, &campaign, &lead, &c.Attempt, &carrierError); err != nil {
		return dialtone.Call{}, err
	}
	if agentID.Valid {
		c.AgentID = &agentID.String
	}
	if answeredBy.Valid {
		a := dialtone.AnsweredBy(answeredBy.String)
		c.AnsweredBy = &a
	}
	if endedReason.Valid {
		e := dialtone.EndedReason(endedReason.String)
		c.EndedReason = &e
	}
	if err := fromJSONText(variables, "call variables", &c.Variables); err != nil {
		return dialtone.Call{}, err
	}
	if err := fromJSONText(metadata, "call metadata", &c.Metadata); err != nil {
		return dialtone.Call{}, err
	}
	if err := fromJSONText(transcript, "call transcript", &c.Transcript); err != nil {
		return dialtone.Call{}, err
	}
	if latency.Valid {
		if err := fromJSONText(latency.String, "call latency", &c.Latency); err != nil {
			return dialtone.Call{}, err
		}
	}
	if carrierError.Valid {
		if err := fromJSONText(carrierError.String, "call carrier error", &c.CarrierError); err != nil {
			return dialtone.Call{}, err
		}
	}
	if summary.Valid {
		c.Summary = &summary.String
	}
	if transferred.Valid {
		c.TransferredTo = &transferred.String
	}
	if campaign.Valid {
		c.CampaignID, c.LeadID = &campaign.String, &lead.String
	}
	c.SetRecording(recording.String)
	c.QueuedAt, c.DialedAt, c.StartedAt, c.EndedAt = queued.Time, dialed.ptr(), started.ptr(), ended.ptr()
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	c.Cost, c.NodeID = dialtone.USD(cost), node.String
	return c, nil
}

// nullText is a nullable TEXT argument for a string-typed pointer: NULL for nil.
func nullText[S ~string](p *S) any {
	if p == nil {
		return nil
	}
	return string(*p)
}

func insertCall(ctx context.Context, tx *sql.Tx, c dialtone.Call) error {
	variables, metadata, err := callMaps(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO calls (id, organization_id, direction, status, agent_id,
		phone_number_id, from_number, to_number, carrier, instructions, variables, metadata,
		ring_timeout_seconds, answered_by, ended_reason, queued_at, dialed_at, started_at, ended_at,
		duration_seconds, cost_micros, created_at, updated_at, node_id, campaign_id, lead_id, attempt)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
		$20, $21, $22, $23, $24, $25, $26, $27)`,
		c.ID, c.OrganizationID, c.Direction, c.Status, nullText(c.AgentID), c.PhoneNumberID,
		c.FromNumber, c.ToNumber, c.Carrier, c.Instructions, variables, metadata,
		c.RingTimeoutSeconds, nullText(c.AnsweredBy), nullText(c.EndedReason), dbTime(c.QueuedAt),
		dbNullTime(c.DialedAt), dbNullTime(c.StartedAt), dbNullTime(c.EndedAt), c.DurationSeconds,
		c.Cost.AmountMicros, dbTime(c.CreatedAt), dbTime(c.UpdatedAt), nullIfEmpty(c.NodeID),
		nullText(c.CampaignID), nullText(c.LeadID), c.Attempt)
	return err
}

// callMaps encodes a call's variables and metadata for their TEXT columns (nil as {}).
func callMaps(c dialtone.Call) (variables, metadata string, err error) {
	if variables, err = jsonText(nonNilMap(c.Variables)); err != nil {
		return "", "", err
	}
	metadata, err = jsonText(nonNilMap(c.Metadata))
	return variables, metadata, err
}

// nullIfEmpty is a nullable TEXT argument: NULL for "".
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// storeEffects inserts the events and the charge of a change of orgID's objects, a webhook
// delivery job for every endpoint that receives each event, and the change's own jobs.
func (s *Store) storeEffects(ctx context.Context, tx *sql.Tx, orgID string, fx core.Effects) error {
	for _, ev := range fx.Events {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, organization_id, type, object_id,
			agent_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ev.ID, orgID, ev.Type, ev.ObjectID, nullIfEmpty(ev.AgentID), string(ev.Data.Object), dbTime(ev.CreatedAt)); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	if err := s.enqueueEventDeliveries(ctx, tx, orgID, fx.Events); err != nil {
		return err
	}
	if fx.Charge != nil {
		if err := insertLedgerEntry(ctx, tx, orgID, *fx.Charge); err != nil {
			return fmt.Errorf("insert charge: %w", err)
		}
	}
	if fx.Attempt != nil {
		if err := s.finishAttempt(ctx, tx, orgID, *fx.Attempt); err != nil {
			return err
		}
	}
	return s.insertJobs(ctx, tx, fx.Jobs)
}

// insertJobs inserts jobs in tx, so that they run once it commits and never if it rolls back.
func (s *Store) insertJobs(ctx context.Context, tx *sql.Tx, jobs []core.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		opts := &river.InsertOpts{Queue: j.Queue}
		if !j.At.IsZero() {
			opts.ScheduledAt = j.At
		}
		if j.MaxAttempts > 0 {
			opts.MaxAttempts = j.MaxAttempts
		}
		params[i] = river.InsertManyParams{Args: j.Args, InsertOpts: opts}
	}
	if _, err := s.jobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("insert jobs: %w", err)
	}
	return nil
}

// lockOrganizationCalls locks orgID's row (PostgreSQL; SQLite serialises write transactions)
// so that the transaction is the only one counting and changing the organization's queue and
// live calls, and returns those counts, each counted up to its cap in caps.
func (s *Store) lockOrganizationCalls(ctx context.Context, tx *sql.Tx, orgID string, caps core.CallCounts) (core.CallCounts, error) {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE id = $1`+s.dialect.lockRow(), orgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return core.CallCounts{}, fmt.Errorf("organization %s: %w", orgID, errNoOrganization)
	}
	if err != nil {
		return core.CallCounts{}, err
	}
	var n core.CallCounts
	err = tx.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM (SELECT 1 FROM calls WHERE organization_id = $1
			AND status IN `+callLiveStatuses+` LIMIT $2) AS live),
		(SELECT COUNT(*) FROM (SELECT 1 FROM calls WHERE organization_id = $1
			AND status = 'queued' LIMIT $3) AS queued)`,
		orgID, max(caps.Live, 0), max(caps.Queued, 0)).Scan(&n.Live, &n.Queued)
	return n, err
}

// InsertCall stores the call decide returns for orgID's current counts, with its effects,
// in one transaction holding the organization's lock (see core.Store).
func (s *Store) InsertCall(ctx context.Context, orgID string, caps core.CallCounts, decide func(core.CallCounts) (dialtone.Call, core.Effects, error)) (dialtone.Call, error) {
	var stored dialtone.Call
	var decideErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		counts, err := s.lockOrganizationCalls(ctx, tx, orgID, caps)
		if err != nil {
			return err
		}
		c, fx, err := decide(counts)
		if err != nil {
			decideErr = err
			return err
		}
		c.OrganizationID = orgID
		if err := insertCall(ctx, tx, c); err != nil {
			return err
		}
		stored = c
		return s.storeEffects(ctx, tx, orgID, fx)
	})
	switch {
	case err == nil:
		return stored, nil
	case decideErr != nil:
		return dialtone.Call{}, decideErr
	}
	return dialtone.Call{}, fmt.Errorf("insert call: %w", err)
}

// ClaimCall takes orgID's oldest queued call out of the queue when claim agrees (see
// core.Store).
func (s *Store) ClaimCall(ctx context.Context, orgID string, maxLive int, claim func(core.CallCounts, *dialtone.Call) (core.Effects, bool)) (dialtone.Call, bool, error) {
	var claimed dialtone.Call
	var ok bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		counts, err := s.lockOrganizationCalls(ctx, tx, orgID, core.CallCounts{Live: maxLive, Queued: 1})
		if err != nil || counts.Queued == 0 {
			return err
		}
		c, err := scanCall(tx.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls
			WHERE organization_id = $1 AND status = 'queued' ORDER BY seq LIMIT 1`, orgID))
		if err != nil {
			return err
		}
		fx, yes := claim(counts, &c)
		if !yes {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = $1, dialed_at = $2, ended_at = $3,
			ended_reason = $4, updated_at = $5, node_id = $6 WHERE id = $7`,
			c.Status, dbNullTime(c.DialedAt), dbNullTime(c.EndedAt), nullText(c.EndedReason),
			dbTime(c.UpdatedAt), nullIfEmpty(c.NodeID), c.ID); err != nil {
			return err
		}
		claimed, ok = c, true
		return s.storeEffects(ctx, tx, orgID, fx)
	})
	if err != nil {
		return dialtone.Call{}, false, fmt.Errorf("claim call: %w", err)
	}
	return claimed, ok, nil
}

// UpdateCall changes call id under a row lock (see core.Store).
func (s *Store) UpdateCall(ctx context.Context, id string, mutate func(*dialtone.Call) (core.Effects, error)) (dialtone.Call, error) {
	var updated dialtone.Call
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := scanCall(tx.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls WHERE id = $1`+s.dialect.lockRow(), id))
		if err != nil {
			return err
		}
		fx, err := mutate(&c)
		if err != nil {
			return callerError{err}
		}
		variables, metadata, err := callMaps(c)
		if err != nil {
			return err
		}
		jsonCols, err := callJSONColumns(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET status = $1, agent_id = $2,
			phone_number_id = $3, instructions = $4, variables = $5, metadata = $6,
			ring_timeout_seconds = $7, answered_by = $8, ended_reason = $9, queued_at = $10,
			dialed_at = $11, started_at = $12, ended_at = $13, duration_seconds = $14,
			cost_micros = $15, updated_at = $16, transcript = $17, latency = $18, summary = $19,
			recording = $20, transferred_to = $21, carrier_error = $22 WHERE id = $23`,
			c.Status, nullText(c.AgentID), c.PhoneNumberID, c.Instructions, variables, metadata,
			c.RingTimeoutSeconds, nullText(c.AnsweredBy), nullText(c.EndedReason), dbTime(c.QueuedAt),
			dbNullTime(c.DialedAt), dbNullTime(c.StartedAt), dbNullTime(c.EndedAt), c.DurationSeconds,
			c.Cost.AmountMicros, dbTime(c.UpdatedAt), jsonCols.transcript, jsonCols.latency, nullText(c.Summary),
			nullIfEmpty(c.Recording), nullText(c.TransferredTo), jsonCols.carrierError, id); err != nil {
			return err
		}
		updated = c
		return s.storeEffects(ctx, tx, c.OrganizationID, fx)
	})
	return updateResult(updated, err, "update call")
}

// GetCall returns orgID's call id unless it is deleted; core.ErrNotFound.
func (s *Store) GetCall(ctx context.Context, orgID, id string) (dialtone.Call, error) {
	c, err := scanCall(s.reader.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls
		WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`, id, orgID))
	return found(c, err, "get call")
}

// CallOrganization returns the organization of call id, deleted or not; core.ErrNotFound.
func (s *Store) CallOrganization(ctx context.Context, id string) (string, error) {
	var org string
	err := s.reader.QueryRowContext(ctx, `SELECT organization_id FROM calls WHERE id = $1`, id).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
		return "", core.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("call organization: %w", err)
	}
	return org, nil
}

// ListCalls returns a page of orgID's calls that are not deleted and match f, newest first.
// A cursor must name such a call (it need not match f), else core.ErrBadCursor.
func (s *Store) ListCalls(ctx context.Context, orgID string, f dialtone.CallFilter, lp dialtone.ListParams) ([]dialtone.Call, bool, error) {
	var filter where
	if f.AgentID != "" {
		filter = filter.and("agent_id = ?", f.AgentID)
	}
	if f.Status != "" {
		filter = filter.and("status = ?", f.Status)
	}
	if f.Direction != "" {
		filter = filter.and("direction = ?", f.Direction)
	}
	if f.CampaignID != "" {
		filter = filter.and("campaign_id = ?", f.CampaignID)
	}
	if f.PhoneNumberID != "" {
		filter = filter.and("phone_number_id = ?", f.PhoneNumberID)
	}
	if !f.CreatedAfter.IsZero() {
		filter = filter.and("created_at > ?", dbTime(f.CreatedAfter))
	}
	if !f.CreatedBefore.IsZero() {
		filter = filter.and("created_at < ?", dbTime(f.CreatedBefore))
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Call]{
		what:    "list calls",
		table:   "calls",
		columns: callColumns,
		scope:   where{}.and("organization_id = ?", orgID).and("deleted_at IS NULL"),
		filter:  filter,
		scan:    scanCall,
	}, lp)
}

// DeleteCall erases the content of orgID's ended call id and marks it deleted at t (see
// core.Store). The check and the update are one statement-level transaction.
func (s *Store) DeleteCall(ctx context.Context, orgID, id string, t time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var status dialtone.CallStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM calls
			WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`+s.dialect.lockRow(), id, orgID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return core.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("delete call: %w", err)
		}
		if !dialtone.CallStates().Terminal(status) {
			return core.ErrCallNotEnded
		}
		_, err = tx.ExecContext(ctx, `UPDATE calls SET instructions = '', variables = '{}',
			metadata = '{}', transcript = '[]', summary = NULL, recording = NULL, deleted_at = $1,
			updated_at = $1 WHERE id = $2`, dbTime(t), id)
		if err != nil {
			return fmt.Errorf("delete call: %w", err)
		}
		return nil
	})
}

// callJSONText is the JSON of a call's transcript, latency and carrier error, as stored.
type callJSONText struct {
	transcript   string
	latency      any // NULL or the JSON text
	carrierError any // NULL or the JSON text
}

func callJSONColumns(c dialtone.Call) (callJSONText, error) {
	turns := c.Transcript
	if turns == nil {
		turns = []dialtone.TranscriptTurn{}
	}
	t, err := jsonText(turns)
	if err != nil {
		return callJSONText{}, err
	}
	out := callJSONText{transcript: t}
	if c.Latency != nil {
		l, err := jsonText(c.Latency)
		if err != nil {
			return callJSONText{}, err
		}
		out.latency = l
	}
	if c.CarrierError != nil {
		e, err := jsonText(c.CarrierError)
		if err != nil {
			return callJSONText{}, err
		}
		out.carrierError = e
	}
	return out, nil
}
