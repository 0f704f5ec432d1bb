package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// messageColumns is the select list scanMessage reads.
const messageColumns = `id, organization_id, conversation_id, direction, status, source,
	phone_number_id, agent_id, from_number, to_number, body, encoding, segments, carrier,
	carrier_message_id, error_code, error_message, cost_micros, metadata, send_at, sent_at,
	delivered_at, failed_at, created_at, updated_at`

// smsConversationColumns is the select list scanSMSConversation reads, from sms_conversations (also
// in RETURNING): agent_id is the agent of the conversation's number now (NULL once it is
// released or detached).
const smsConversationColumns = `id, phone_number_id, phone_number, participant_number,
	(SELECT p.agent_id FROM phone_numbers p WHERE p.id = sms_conversations.phone_number_id) AS agent_id,
	metadata, message_count, last_message_at, created_at, updated_at`

// scanMessage leaves Message.Contact nil: core fills it.
func scanMessage(r rowScanner) (dialtone.Message, error) {
	m := dialtone.Message{Object: "message"}
	var agentID, carrierID, errCode, errMessage sql.NullString
	var metadata string
	var cost int64
	var sendAt, sent, delivered, failed, created, updated timestamp
	if err := r.Scan(&m.ID, &m.OrganizationID, &m.ConversationID, &m.Direction, &m.Status, &m.Source,
		&m.PhoneNumberID, &agentID, &m.FromNumber, &m.ToNumber, &m.Body, &m.Encoding, &m.Segments,
		&m.Carrier, &carrierID, &errCode, &errMessage, &cost, &metadata, &sendAt, &sent, &delivered,
		&failed, &created, &updated); err != nil {
		return dialtone.Message{}, err
	}
	if err := fromJSONText(metadata, "message metadata", &m.Metadata); err != nil {
		return dialtone.Message{}, fmt.Errorf("message %s: %w", m.ID, err)
	}
	m.Metadata = nonNilMap(m.Metadata)
	m.AgentID, m.CarrierMessageID = nullStringPtr(agentID), nullStringPtr(carrierID)
	m.ErrorCode, m.ErrorMessage = nullStringPtr(errCode), nullStringPtr(errMessage)
	m.Cost = dialtone.USD(cost)
	m.SendAt, m.SentAt, m.DeliveredAt, m.FailedAt = sendAt.ptr(), sent.ptr(), delivered.ptr(), failed.ptr()
	m.CreatedAt, m.UpdatedAt = created.Time, updated.Time
	return m, nil
}

// scanSMSConversation leaves SMSConversation.Contact nil: core fills it.
func scanSMSConversation(r rowScanner) (dialtone.SMSConversation, error) {
	c := dialtone.SMSConversation{Object: "conversation"}
	var agentID sql.NullString
	var metadata string
	var last, created, updated timestamp
	if err := r.Scan(&c.ID, &c.PhoneNumberID, &c.PhoneNumber, &c.ParticipantNumber, &agentID,
		&metadata, &c.MessageCount, &last, &created, &updated); err != nil {
		return dialtone.SMSConversation{}, err
	}
	if err := fromJSONText(metadata, "conversation metadata", &c.Metadata); err != nil {
		return dialtone.SMSConversation{}, fmt.Errorf("conversation %s: %w", c.ID, err)
	}
	c.Metadata = nonNilMap(c.Metadata)
	c.AgentID = nullStringPtr(agentID)
	c.LastMessageAt, c.CreatedAt, c.UpdatedAt = last.Time, created.Time, updated.Time
	return c, nil
}

// nullStringPtr is a scanned nullable TEXT as a pointer: nil for NULL.
func nullStringPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// messageInsert stores a message and returns its seq and its columns.
const messageInsert = `INSERT INTO messages (id, organization_id, conversation_id, direction, status,
	source, phone_number_id, agent_id, from_number, to_number, body, encoding, segments, carrier,
	carrier_message_id, error_code, error_message, cost_micros, metadata, send_at, sent_at,
	delivered_at, failed_at, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
	$20, $21, $22, $23, $24, $25)
	RETURNING seq, ` + messageColumns

// WriteMessages stores what decide returns for the conversation of orgID's live number
// numberID and the party other, in one transaction holding the number's row (PostgreSQL: a
// row lock; SQLite: the only writer connection), so that writes for one number apply one after
// another (see core.Store). A new conversation is given to decide with a new id and CreatedAt
// now; it is stored only with messages, and then created, updated and last active at the
// first message's CreatedAt. The conversation's last activity moves to the last message. An
// opt-out stored here records the trimmed body and id of the first inbound message (the
// keyword that said it). Messages without a ConversationID are put in the conversation; one
// naming another conversation fails the write. It returns the messages as stored.
// core.ErrNotFound when the number is not live; decide's error as is, with nothing stored.
func (s *Store) WriteMessages(ctx context.Context, orgID, numberID, other string, decide func(core.MessageState) (core.MessageWrite, error)) ([]dialtone.Message, error) {
	var out []dialtone.Message
	var decideErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, next, err := s.lockSender(ctx, tx, orgID, numberID)
		if err != nil {
			return err
		}
		conv, err := scanSMSConversation(tx.QueryRowContext(ctx, `SELECT `+smsConversationColumns+` FROM sms_conversations
			WHERE organization_id = $1 AND phone_number_id = $2 AND participant_number = $3`, orgID, numberID, other))
		isNew := errors.Is(err, sql.ErrNoRows)
		switch {
		case isNew:
			now := dbTime(time.Now())
			conv = dialtone.SMSConversation{ID: dialtone.NewID(dialtone.PrefixConversation), Object: "conversation",
				PhoneNumberID: n.ID, PhoneNumber: n.Number, ParticipantNumber: other, AgentID: n.AgentID,
				Metadata: map[string]string{}, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
		case err != nil:
			return err
		}
		optedOut, err := optedOut(ctx, tx, orgID, other)
		if err != nil {
			return err
		}
		w, err := decide(core.MessageState{Number: n, Conversation: conv, OptedOut: optedOut, NextSendAt: next})
		if err != nil {
			decideErr = err
			return err
		}
		if len(w.Messages) > 0 {
			if out, err = storeMessages(ctx, tx, orgID, conv, isNew, w.Messages); err != nil {
				return err
			}
		}
		if w.OptOut != nil {
			if err := storeOptOut(ctx, tx, orgID, other, *w.OptOut, out); err != nil {
				return err
			}
		}
		if !w.NextSendAt.IsZero() {
			if err := storeNextSendAt(ctx, tx, numberID, w.NextSendAt); err != nil {
				return err
			}
		}
		return s.storeEffects(ctx, tx, orgID, w.Effects)
	})
	switch {
	case err == nil:
		return out, nil
	case decideErr != nil:
		return nil, decideErr
	case errors.Is(err, core.ErrNotFound):
		return nil, core.ErrNotFound
	}
	return nil, fmt.Errorf("write messages: %w", err)
}

// lockSender reads orgID's live number numberID and its pacing state (zero when it never
// sent), holding its row (PostgreSQL: a row lock; SQLite: the only writer connection) until
// tx ends; core.ErrNotFound when the number is not live.
func (s *Store) lockSender(ctx context.Context, tx *sql.Tx, orgID, numberID string) (dialtone.PhoneNumber, time.Time, error) {
	var next timestamp
	n, err := scanPhoneNumber(prefix(tx.QueryRowContext(ctx, `SELECT sms_next_send_at, `+phoneNumberColumns+
		` FROM phone_numbers WHERE id = $1 AND organization_id = $2 AND released_at IS NULL`+s.dialect.lockRow(),
		numberID, orgID), &next))
	if errors.Is(err, sql.ErrNoRows) {
		return dialtone.PhoneNumber{}, time.Time{}, core.ErrNotFound
	}
	return n, next.Time, err
}

// storeNextSendAt stores the pacing state of number numberID.
func storeNextSendAt(ctx context.Context, tx *sql.Tx, numberID string, next time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE phone_numbers SET sms_next_send_at = $1 WHERE id = $2`,
		dbTime(next), numberID); err != nil {
		return fmt.Errorf("store pacing: %w", err)
	}
	return nil
}

// ReslotMessages gives every queued message of orgID's number numberID the new slots slots
// returns, in the order they were queued (by seq), when one of them has a slot before overdue,
// and stores the number's new pacing state, in one transaction holding the number's row; it
// returns how many it moved. core.ErrNotFound when the number is not live.
func (s *Store) ReslotMessages(ctx context.Context, orgID, numberID string, overdue time.Time,
	slots func(n dialtone.PhoneNumber, next time.Time, count int) ([]time.Time, time.Time)) (int, error) {
	moved := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, next, err := s.lockSender(ctx, tx, orgID, numberID)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, send_at < $3 FROM messages WHERE organization_id = $1
			AND phone_number_id = $2 AND status = 'queued' AND send_at IS NOT NULL ORDER BY seq`,
			orgID, numberID, dbTime(overdue))
		if err != nil {
			return err
		}
		var ids []string
		late := false
		for rows.Next() {
			var id string
			var overdue bool
			if err := rows.Scan(&id, &overdue); err != nil {
				rows.Close()
				return err
			}
			ids, late = append(ids, id), late || overdue
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if !late {
			return nil
		}
		at, newNext := slots(n, next, len(ids))
		if len(at) != len(ids) {
			return fmt.Errorf("%d slots for %d messages", len(at), len(ids))
		}
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET send_at = $1 WHERE id = $2`, dbTime(at[i]), id); err != nil {
				return err
			}
		}
		moved = len(ids)
		return storeNextSendAt(ctx, tx, numberID, newNext)
	})
	if errors.Is(err, core.ErrNotFound) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("reslot messages: %w", err)
	}
	return moved, nil
}

// QueuedBefore reports whether orgID's number numberID has a queued message whose slot comes
// before (sendAt, id): an earlier send_at, or the same one and a smaller id.
func (s *Store) QueuedBefore(ctx context.Context, orgID, numberID string, sendAt time.Time, id string) (bool, error) {
	var found bool
	at := dbTime(sendAt)
	err := s.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE organization_id = $1
		AND phone_number_id = $2 AND status = 'queued'
		AND (send_at < $3 OR (send_at = $3 AND id < $4)))`, orgID, numberID, at, id).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("queued before: %w", err)
	}
	return found, nil
}

// storeMessages inserts msgs in order into conv, first inserting conv when it is new, and
// moves conv's count and last activity; it returns the messages as stored.
func storeMessages(ctx context.Context, tx *sql.Tx, orgID string, conv dialtone.SMSConversation, isNew bool, msgs []dialtone.Message) ([]dialtone.Message, error) {
	if isNew {
		first := dbTime(msgs[0].CreatedAt)
		metadata, err := jsonText(nonNilMap(conv.Metadata))
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sms_conversations (id, organization_id,
			phone_number_id, phone_number, participant_number, metadata, message_count,
			last_message_seq, last_message_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $7, $7)`,
			conv.ID, orgID, conv.PhoneNumberID, conv.PhoneNumber, conv.ParticipantNumber, metadata, first); err != nil {
			return nil, fmt.Errorf("insert conversation: %w", err)
		}
	}
	out := make([]dialtone.Message, 0, len(msgs))
	var lastSeq int64
	for _, m := range msgs {
		switch m.ConversationID {
		case "":
			m.ConversationID = conv.ID
		case conv.ID:
		default:
			return nil, fmt.Errorf("message %s names conversation %s, not %s", m.ID, m.ConversationID, conv.ID)
		}
		metadata, err := jsonText(nonNilMap(m.Metadata))
		if err != nil {
			return nil, err
		}
		var seq int64
		stored, err := scanMessage(prefix(tx.QueryRowContext(ctx, messageInsert,
			m.ID, orgID, m.ConversationID, m.Direction, m.Status, m.Source, m.PhoneNumberID,
			nullString(m.AgentID), m.FromNumber, m.ToNumber, m.Body, m.Encoding, m.Segments, m.Carrier,
			nullString(m.CarrierMessageID), nullString(m.ErrorCode), nullString(m.ErrorMessage),
			m.Cost.AmountMicros, metadata, dbNullTime(m.SendAt), dbNullTime(m.SentAt),
			dbNullTime(m.DeliveredAt), dbNullTime(m.FailedAt), dbTime(m.CreatedAt), dbTime(m.UpdatedAt),
		), &seq))
		if err != nil {
			return nil, fmt.Errorf("insert message: %w", err)
		}
		lastSeq = max(lastSeq, seq)
		out = append(out, stored)
	}
	last := dbTime(msgs[len(msgs)-1].CreatedAt)
	if _, err := tx.ExecContext(ctx, `UPDATE sms_conversations SET message_count = message_count + $1,
		last_message_seq = $2, last_message_at = $3, updated_at = $3 WHERE id = $4`,
		len(msgs), lastSeq, last, conv.ID); err != nil {
		return nil, fmt.Errorf("update conversation: %w", err)
	}
	return out, nil
}

// storeOptOut stores (optOut) or deletes the opt-out of party for orgID. A stored opt-out keeps
// its first keyword: it records the trimmed body and id of the first inbound message of msgs
// (else the first message's id and no keyword), at that message's CreatedAt (else now).
func storeOptOut(ctx context.Context, tx *sql.Tx, orgID, party string, optOut bool, msgs []dialtone.Message) error {
	if !optOut {
		if _, err := tx.ExecContext(ctx, `DELETE FROM opt_outs WHERE organization_id = $1 AND phone_number = $2`,
			orgID, party); err != nil {
			return fmt.Errorf("delete opt-out: %w", err)
		}
		return nil
	}
	var keyword string
	var messageID *string
	at := time.Now()
	if len(msgs) > 0 {
		by := msgs[0]
		if i := slices.IndexFunc(msgs, func(m dialtone.Message) bool { return m.Direction == dialtone.MessageInbound }); i >= 0 {
			by = msgs[i]
			keyword = strings.TrimSpace(by.Body)
		}
		messageID, at = &by.ID, by.CreatedAt
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO opt_outs (organization_id, phone_number, keyword,
		message_id, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (organization_id, phone_number) DO NOTHING`,
		orgID, party, keyword, nullString(messageID), dbTime(at)); err != nil {
		return fmt.Errorf("insert opt-out: %w", err)
	}
	return nil
}

func optedOut(ctx context.Context, q querier, orgID, number string) (bool, error) {
	var out bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM opt_outs
		WHERE organization_id = $1 AND phone_number = $2)`, orgID, number).Scan(&out)
	return out, err
}

// OptedOut reports whether number opted out of orgID's messages.
func (s *Store) OptedOut(ctx context.Context, orgID, number string) (bool, error) {
	out, err := optedOut(ctx, s.reader, orgID, number)
	if err != nil {
		return false, fmt.Errorf("opted out: %w", err)
	}
	return out, nil
}

// UpdateMessage loads message id (of any organization) under a row lock, lets mutate change
// it, and stores its status, error, carrier id, cost, timestamps and updated_at with mutate's
// effects, in one transaction; it returns the message as stored. core.ErrNotFound; mutate's
// error as is, with nothing changed. mutate must be quick and must not call the Store.
func (s *Store) UpdateMessage(ctx context.Context, id string, mutate func(*dialtone.Message) (core.Effects, error)) (dialtone.Message, error) {
	var updated dialtone.Message
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		m, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`+s.dialect.lockRow(), id))
		if err != nil {
			return err
		}
		fx, err := mutate(&m)
		if err != nil {
			return callerError{err}
		}
		updated, err = scanMessage(tx.QueryRowContext(ctx, `UPDATE messages SET status = $1, error_code = $2,
			error_message = $3, carrier_message_id = $4, cost_micros = $5, send_at = $6, sent_at = $7,
			delivered_at = $8, failed_at = $9, updated_at = $10 WHERE id = $11
			RETURNING `+messageColumns,
			m.Status, nullString(m.ErrorCode), nullString(m.ErrorMessage), nullString(m.CarrierMessageID),
			m.Cost.AmountMicros, dbNullTime(m.SendAt), dbNullTime(m.SentAt), dbNullTime(m.DeliveredAt),
			dbNullTime(m.FailedAt), dbTime(m.UpdatedAt), id))
		if err != nil {
			return err
		}
		return s.storeEffects(ctx, tx, updated.OrganizationID, fx)
	})
	return updateResult(updated, err, "update message")
}

// GetMessage returns orgID's message id, or core.ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, orgID, id string) (dialtone.Message, error) {
	m, err := scanMessage(s.reader.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE id = $1 AND organization_id = $2`, id, orgID))
	return found(m, err, "get message")
}

// ListMessages returns a page of orgID's messages matching f, newest first. A cursor must name
// a message of orgID (it need not match f), else core.ErrBadCursor. See listPage.
func (s *Store) ListMessages(ctx context.Context, orgID string, f dialtone.MessageFilter, lp dialtone.ListParams) ([]dialtone.Message, bool, error) {
	var filter where
	if f.ConversationID != "" {
		filter = filter.and("conversation_id = ?", f.ConversationID)
	}
	if f.Direction != "" {
		filter = filter.and("direction = ?", string(f.Direction))
	}
	if f.Status != "" {
		filter = filter.and("status = ?", string(f.Status))
	}
	return listPage(ctx, s.reader, listSpec[dialtone.Message]{
		what:    "list messages",
		table:   "messages",
		columns: messageColumns,
		scope:   where{}.and("organization_id = ?", orgID),
		filter:  filter,
		scan:    scanMessage,
	}, lp)
}

// GetConversation returns orgID's conversation id, or core.ErrNotFound.
func (s *Store) GetConversation(ctx context.Context, orgID, id string) (dialtone.SMSConversation, error) {
	c, err := scanSMSConversation(s.reader.QueryRowContext(ctx, `SELECT `+smsConversationColumns+
		` FROM sms_conversations WHERE id = $1 AND organization_id = $2`, id, orgID))
	return found(c, err, "get conversation")
}

// ListConversations returns a page of orgID's conversations, the one with the latest message
// first: the list is ordered, and its cursors keyed, by last_message_seq, so a conversation
// moves to the top when it gets a message. A cursor must name a conversation of orgID, else
// core.ErrBadCursor. See listPage.
func (s *Store) ListConversations(ctx context.Context, orgID string, lp dialtone.ListParams) ([]dialtone.SMSConversation, bool, error) {
	return listPage(ctx, s.reader, listSpec[dialtone.SMSConversation]{
		what:      "list conversations",
		table:     "sms_conversations",
		columns:   smsConversationColumns,
		seqColumn: "last_message_seq",
		scope:     where{}.and("organization_id = ?", orgID),
		scan:      scanSMSConversation,
	}, lp)
}

// UpdateConversationMetadata replaces the metadata of orgID's conversation id (nil as {}) and
// sets its updated_at to t, in one statement; core.ErrNotFound.
func (s *Store) UpdateConversationMetadata(ctx context.Context, orgID, id string, metadata map[string]string, t time.Time) (dialtone.SMSConversation, error) {
	text, err := jsonText(nonNilMap(metadata))
	if err != nil {
		return dialtone.SMSConversation{}, fmt.Errorf("update conversation metadata: %w", err)
	}
	c, err := scanSMSConversation(s.writer.QueryRowContext(ctx, `UPDATE sms_conversations SET metadata = $1,
		updated_at = $2 WHERE id = $3 AND organization_id = $4 RETURNING `+smsConversationColumns,
		text, dbTime(t), id, orgID))
	return found(c, err, "update conversation metadata")
}

// MessageUsage sums orgID's billed messages whose billing time (sent_at for outbound ones,
// created_at for inbound ones) is in [from, to), by UTC day of that time or by agent.
func (s *Store) MessageUsage(ctx context.Context, orgID string, from, to time.Time, groupBy string) ([]core.UsageGroup, error) {
	const at = "COALESCE(sent_at, created_at)"
	key := "COALESCE(agent_id, '')"
	if groupBy == dialtone.UsageByDay {
		key = s.dialect.utcDay(at)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+key+` AS k, COUNT(*), COALESCE(SUM(segments), 0),
		COALESCE(SUM(cost_micros), 0) FROM messages
		WHERE organization_id = $1 AND cost_micros > 0 AND `+at+` >= $2 AND `+at+` < $3
		GROUP BY k ORDER BY k`, orgID, dbTime(from), dbTime(to))
	if err != nil {
		return nil, fmt.Errorf("message usage: %w", err)
	}
	defer rows.Close()
	var groups []core.UsageGroup
	for rows.Next() {
		var g core.UsageGroup
		if err := rows.Scan(&g.Key, &g.Messages, &g.Segments, &g.CostMicros); err != nil {
			return nil, fmt.Errorf("message usage: %w", err)
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

// ContactRefs returns orgID's contacts among numbers, by number, in one query (none for no
// numbers).
func (s *Store) ContactRefs(ctx context.Context, orgID string, numbers []string) (map[string]dialtone.ContactRef, error) {
	refs := map[string]dialtone.ContactRef{}
	distinct := slices.Compact(slices.Sorted(slices.Values(numbers)))
	if len(distinct) == 0 {
		return refs, nil
	}
	args := make([]any, 0, len(distinct)+1)
	args = append(args, orgID)
	marks := make([]string, len(distinct))
	for i, n := range distinct {
		args = append(args, n)
		marks[i] = "$" + strconv.Itoa(i+2)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT phone_number, id, name FROM contacts
		WHERE organization_id = $1 AND phone_number IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("contact refs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var number string
		var ref dialtone.ContactRef
		if err := rows.Scan(&number, &ref.ID, &ref.Name); err != nil {
			return nil, fmt.Errorf("contact refs: %w", err)
		}
		refs[number] = ref
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contact refs: %w", err)
	}
	return refs, nil
}
