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

// agentColumns is the select list scanAgent reads.
const agentColumns = `id, name, system_prompt, greeting, voice, language, brain, voicemail,
	max_call_duration_seconds, ring_timeout_seconds, transfer_numbers, metadata, created_at, updated_at,
	brain_secret, timezone, turn_taking, sms_prompt, speech, speech_secrets`

// agentGet selects a live agent by id ($1) and organization ($2): the query of GetAgent, run
// through Store.getAgent, and of UpdateAgent with a row lock.
const agentGet = `SELECT ` + agentColumns + ` FROM agents WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`

func scanAgent(r rowScanner) (dialtone.Agent, error) {
	a := dialtone.Agent{Object: "agent"}
	var brain, voicemail, transfer, metadata, turns, speech string
	var created, updated timestamp
	if err := r.Scan(&a.ID, &a.Name, &a.SystemPrompt, &a.Greeting, &a.Voice, &a.Language,
		&brain, &voicemail, &a.MaxCallDurationSeconds, &a.RingTimeoutSeconds, &transfer, &metadata,
		&created, &updated, &a.BrainSecret, &a.Timezone, &turns, &a.SMSPrompt, &speech, &a.SpeechSecrets); err != nil {
		return dialtone.Agent{}, err
	}
	a.CreatedAt, a.UpdatedAt = created.Time, updated.Time
	if err := errors.Join(
		fromJSONText(brain, "brain", &a.Brain),
		fromJSONText(voicemail, "voicemail", &a.Voicemail),
		fromJSONText(transfer, "transfer_numbers", &a.TransferNumbers),
		fromJSONText(metadata, "metadata", &a.Metadata),
		fromJSONText(turns, "turn_taking", &a.TurnTaking),
		speechFromText(speech, &a.Speech),
	); err != nil {
		return dialtone.Agent{}, fmt.Errorf("agent %s: %w", a.ID, err)
	}
	if a.TransferNumbers == nil {
		a.TransferNumbers = []string{}
	}
	if a.Metadata == nil {
		a.Metadata = map[string]string{}
	}
	a.TurnTaking = a.TurnTaking.OrDefault()
	return a, nil
}

// agentValues returns the values of the columns an update may change, in the order of
// agentInsert's $4… and agentUpdate's $1…: name … metadata, updated_at, brain_secret, timezone,
// turn_taking, sms_prompt, speech, speech_secrets.
func agentValues(a dialtone.Agent) ([]any, error) {
	transfer := a.TransferNumbers
	if transfer == nil {
		transfer = []string{}
	}
	metadata := a.Metadata
	if metadata == nil {
		metadata = map[string]string{}
	}
	var texts [5]string
	for i, v := range []any{a.Brain, a.Voicemail, transfer, metadata, a.TurnTaking} {
		t, err := jsonText(v)
		if err != nil {
			return nil, err
		}
		texts[i] = t
	}
	speech := ""
	if a.Speech != nil {
		t, err := jsonText(a.Speech)
		if err != nil {
			return nil, err
		}
		speech = t
	}
	return []any{a.Name, a.SystemPrompt, a.Greeting, a.Voice, a.Language, texts[0], texts[1],
		a.MaxCallDurationSeconds, a.RingTimeoutSeconds, texts[2], texts[3], dbTime(a.UpdatedAt), a.BrainSecret, a.Timezone, texts[4],
		a.SMSPrompt, speech, a.SpeechSecrets}, nil
}

// speechFromText reads the speech column: ” is no speech settings (nil).
func speechFromText(text string, dst **dialtone.Speech) error {
	if text == "" {
		*dst = nil
		return nil
	}
	*dst = new(dialtone.Speech)
	return fromJSONText(text, "speech", *dst)
}

const agentInsert = `INSERT INTO agents (id, organization_id, created_at,
	name, system_prompt, greeting, voice, language, brain, voicemail,
	max_call_duration_seconds, ring_timeout_seconds, transfer_numbers, metadata, updated_at,
	brain_secret, timezone, turn_taking, sms_prompt, speech, speech_secrets)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`

const agentUpdate = `UPDATE agents SET name = $1, system_prompt = $2, greeting = $3, voice = $4,
	language = $5, brain = $6, voicemail = $7, max_call_duration_seconds = $8,
	ring_timeout_seconds = $9, transfer_numbers = $10, metadata = $11, updated_at = $12,
	brain_secret = $13, timezone = $14, turn_taking = $15, sms_prompt = $16, speech = $17, speech_secrets = $18
	WHERE id = $19 AND organization_id = $20 AND deleted_at IS NULL
	RETURNING ` + agentColumns

// InsertAgent stores a as a new live agent of orgID. Nil TransferNumbers and Metadata are
// stored (and later returned) empty.
func (s *Store) InsertAgent(ctx context.Context, orgID string, a dialtone.Agent) error {
	values, err := agentValues(a)
	if err != nil {
		return fmt.Errorf("insert agent: %w", err)
	}
	args := append([]any{a.ID, orgID, dbTime(a.CreatedAt)}, values...)
	if _, err := s.writer.ExecContext(ctx, agentInsert, args...); err != nil {
		return fmt.Errorf("insert agent: %w", err)
	}
	return nil
}

// GetAgent returns orgID's live agent id, or core.ErrNotFound (also for a deleted agent and
// for another organization's).
func (s *Store) GetAgent(ctx context.Context, orgID, id string) (dialtone.Agent, error) {
	a, err := scanAgent(s.getAgent.queryRow(ctx, id, orgID))
	return found(a, err, "get agent")
}

// ListAgents returns a page of orgID's live agents matching f, newest first, and whether more
// follow. A cursor must name a live agent of orgID (it need not match f), else
// core.ErrBadCursor. See listPage for the paging rules.
func (s *Store) ListAgents(ctx context.Context, orgID string, f dialtone.AgentFilter, lp dialtone.ListParams) ([]dialtone.Agent, bool, error) {
	var filter where
	if f.Name != "" {
		filter = filter.and("name = ?", f.Name)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Agent]{
		what:    "list agents",
		table:   "agents",
		columns: agentColumns,
		scope:   where{}.and("organization_id = ?", orgID).and("deleted_at IS NULL"),
		filter:  filter,
		scan:    scanAgent,
	}, lp)
}

// UpdateAgent loads orgID's live agent id, lets mutate change it, stores the result and
// returns the agent as stored; core.ErrNotFound when there is no such agent. Load and store
// are one transaction holding the agent's row (PostgreSQL: a row lock; SQLite: the only writer
// connection), so concurrent updates of one agent apply one after another. An error from
// mutate aborts the update, changing nothing, and is returned as is. The id, organization and
// created_at cannot be changed; every other field is stored as mutate leaves it, UpdatedAt
// included (the store does not set it). mutate runs inside the transaction: it must be quick
// and must not call the Store, which on SQLite would wait for the writer connection forever.
func (s *Store) UpdateAgent(ctx context.Context, orgID, id string, mutate func(*dialtone.Agent) error) (dialtone.Agent, error) {
	return updateRow(ctx, s, rowUpdate[dialtone.Agent]{what: "update agent", get: agentGet, update: agentUpdate,
		scan: scanAgent, values: agentValues}, orgID, id, mutate)
}

// DeleteAgent marks orgID's live agent id deleted at t and detaches its phone numbers (their
// agent_id becomes NULL and their updated_at t), in one transaction; core.ErrNotFound when
// there is no such agent. The row stays (its history is kept) but no read of the Store returns
// it again. On PostgreSQL the UPDATE locks the agent's row first, so an InsertPhoneNumber or
// UpdatePhoneNumber attaching a number to it concurrently either commits first (and its
// number is detached here) or waits and then finds the agent deleted.
func (s *Store) DeleteAgent(ctx context.Context, orgID, id string, t time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE agents SET deleted_at = $1 WHERE id = $2 AND organization_id = $3 AND deleted_at IS NULL`,
			dbTime(t), id, orgID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return core.ErrNotFound
		}
		_, err = tx.ExecContext(ctx,
			`UPDATE phone_numbers SET agent_id = NULL, updated_at = $1 WHERE agent_id = $2 AND organization_id = $3`,
			dbTime(t), id, orgID)
		return err
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrNotFound):
		return core.ErrNotFound
	}
	return fmt.Errorf("delete agent: %w", err)
}
