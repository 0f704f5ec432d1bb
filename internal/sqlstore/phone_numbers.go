package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// phoneNumberColumns is the select list scanPhoneNumber reads.
const phoneNumberColumns = `id, number, carrier, source, country, friendly_name, agent_id,
	inbound_enabled, outbound_enabled, custom_prompt, cap_voice, cap_sms, paid_through, created_at,
	updated_at, sms_reply_enabled, messages_per_second, a2p_10dlc_registered, carrier_account_sid`

// phoneNumberGet selects a live (not released) number by id ($1) and organization ($2): the
// query of GetPhoneNumber, and of UpdatePhoneNumber with a row lock.
const phoneNumberGet = `SELECT ` + phoneNumberColumns +
	` FROM phone_numbers WHERE id = $1 AND organization_id = $2 AND released_at IS NULL`

// phoneNumberLiveIndex is the unique index that keeps one live row per number (see the
// migration 00002_phone_numbers.sql); PostgreSQL names it in a unique violation.
const phoneNumberLiveIndex = "phone_numbers_live_number"

func scanPhoneNumber(r rowScanner) (dialtone.PhoneNumber, error) {
	n := dialtone.PhoneNumber{Object: "phone_number"}
	var agentID, account sql.NullString
	var paid, created, updated timestamp
	if err := r.Scan(&n.ID, &n.Number, &n.Carrier, &n.Source, &n.Country, &n.FriendlyName,
		&agentID, &n.InboundEnabled, &n.OutboundEnabled, &n.CustomPrompt,
		&n.Capabilities.Voice, &n.Capabilities.SMS, &paid, &created, &updated, &n.SMSReplyEnabled,
		&n.MessagesPerSecond, &n.A2P10DLCRegistered, &account); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	if agentID.Valid {
		n.AgentID = &agentID.String
	}
	if account.Valid {
		n.CarrierAccountSID = &account.String
	}
	n.PaidThrough, n.CreatedAt, n.UpdatedAt = paid.Time, created.Time, updated.Time
	return n, nil
}

// nullString is a nullable TEXT argument: NULL for nil.
func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

const phoneNumberInsert = `INSERT INTO phone_numbers (id, organization_id, number, carrier, source,
	country, friendly_name, agent_id, inbound_enabled, outbound_enabled, custom_prompt, cap_voice,
	cap_sms, paid_through, created_at, updated_at, sms_reply_enabled, messages_per_second,
	a2p_10dlc_registered, carrier_account_sid, carrier_number_sid, carrier_secret)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
	$20, $21, $22)`

// phoneNumberUpdate stores the fields UpdatePhoneNumber may change.
const phoneNumberUpdate = `UPDATE phone_numbers SET agent_id = $1, inbound_enabled = $2,
	outbound_enabled = $3, custom_prompt = $4, friendly_name = $5, updated_at = $6,
	sms_reply_enabled = $7, messages_per_second = $8, a2p_10dlc_registered = $9
	WHERE id = $10 AND organization_id = $11 AND released_at IS NULL
	RETURNING ` + phoneNumberColumns

// lockLiveAgent checks, inside a write transaction, that agentID is a live agent of orgID and
// locks its row until the transaction ends (PostgreSQL; SQLite's write transactions never
// overlap), so that a concurrent DeleteAgent either runs first (and the check fails) or waits
// and then detaches the number too. The foreign key alone would accept a deleted agent or
// another organization's.
func (s *Store) lockLiveAgent(ctx context.Context, tx *sql.Tx, orgID, agentID string) error {
	var id string
	err := tx.QueryRowContext(ctx,
		`SELECT id FROM agents WHERE id = $1 AND organization_id = $2 AND deleted_at IS NULL`+s.dialect.lockRow(),
		agentID, orgID,
	).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("agent %s is not a live agent of organization %s", agentID, orgID)
	}
	if err != nil {
		return fmt.Errorf("look up agent %s: %w", agentID, err)
	}
	return nil
}

// errNoOrganization is the error of InsertPhoneNumber for an unknown organization.
var errNoOrganization = errors.New("no such organization")

// InsertPhoneNumber stores n as a new live number of orgID. It returns core.ErrLimit,
// inserting nothing, when orgID already holds limit live numbers (so a limit of 0 or less
// admits none), and core.ErrTaken when a live number of any organization has the same Number.
// The count, the check and the insert are one transaction that excludes every other
// InsertPhoneNumber of the organization (PostgreSQL: the organization row is locked first;
// SQLite: write transactions are serialised). A number taken concurrently by another
// organization is caught by the unique index on live numbers and reported as core.ErrTaken
// as well. A non-nil AgentID must name a live agent of orgID, else the insert fails with an
// ordinary (wrapped) error; core checks the agent beforehand, so that only happens when the
// agent is deleted meanwhile.
//
// With a non-nil charge, its entry is inserted in orgID's ledger in the same transaction, and
// a prepaid organization whose balance is below charge.MinBalanceMicros gets
// core.ErrInsufficientBalance with nothing stored. The organization row lock (PostgreSQL) or
// the single writer (SQLite) serialises this with every other InsertPhoneNumber of the
// organization, so two provisionings cannot both pass the check on one balance.
func (s *Store) InsertPhoneNumber(ctx context.Context, orgID string, n dialtone.PhoneNumber, limit int, charge *core.Charge, events ...dialtone.Event) error {
	return s.insertPhoneNumber(ctx, orgID, n, core.NumberCredentials{}, limit, charge, events)
}

// ImportPhoneNumber stores n, imported from a bring-your-own carrier account, as a new live
// number of orgID with the account's credentials, as InsertPhoneNumber does without a charge:
// core.ErrLimit, core.ErrTaken (a live number of any organization has the same Number).
func (s *Store) ImportPhoneNumber(ctx context.Context, orgID string, n dialtone.PhoneNumber, cred core.NumberCredentials, limit int, events ...dialtone.Event) error {
	return s.insertPhoneNumber(ctx, orgID, n, cred, limit, nil, events)
}

func (s *Store) insertPhoneNumber(ctx context.Context, orgID string, n dialtone.PhoneNumber, cred core.NumberCredentials,
	limit int, charge *core.Charge, events []dialtone.Event) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		mode, err := s.lockOrganizationWithin(ctx, tx, orgID,
			`SELECT COUNT(*) FROM phone_numbers WHERE organization_id = $1 AND released_at IS NULL`, limit)
		if err != nil {
			return err
		}
		var taken bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM phone_numbers WHERE number = $1 AND released_at IS NULL)`, n.Number,
		).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return core.ErrTaken
		}
		if charge != nil && mode == dialtone.BillingPrepaid {
			balance, err := ledgerBalance(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if balance < charge.MinBalanceMicros {
				return core.ErrInsufficientBalance
			}
		}
		if n.AgentID != nil {
			if err := s.lockLiveAgent(ctx, tx, orgID, *n.AgentID); err != nil {
				return err
			}
		}
		if _, err = tx.ExecContext(ctx, phoneNumberInsert,
			n.ID, orgID, n.Number, n.Carrier, n.Source, n.Country, n.FriendlyName, nullString(n.AgentID),
			n.InboundEnabled, n.OutboundEnabled, n.CustomPrompt, n.Capabilities.Voice, n.Capabilities.SMS,
			dbTime(n.PaidThrough), dbTime(n.CreatedAt), dbTime(n.UpdatedAt), n.SMSReplyEnabled,
			n.MessagesPerSecond, n.A2P10DLCRegistered, nullString(n.CarrierAccountSID), cred.NumberSID,
			cred.SealedToken); err != nil {
			return err
		}
		fx := core.Effects{Events: events}
		if charge != nil {
			fx.Charge = &charge.Entry
		}
		return s.storeEffects(ctx, tx, orgID, fx)
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, core.ErrLimit):
		return core.ErrLimit
	case errors.Is(err, core.ErrInsufficientBalance):
		return core.ErrInsufficientBalance
	case errors.Is(err, core.ErrTaken), isNumberTaken(err):
		return core.ErrTaken
	}
	return fmt.Errorf("insert phone number: %w", err)
}

// isNumberTaken reports whether err is a violation of the unique index on live numbers. Other
// unique violations (an id used twice) are not a taken number.
func isNumberTaken(err error) bool {
	return isUniqueViolation(err, phoneNumberLiveIndex, "phone_numbers.number")
}

// isUniqueViolation reports whether err violates one unique index, as either driver reports
// it: pgx as a *pgconn.PgError with SQLSTATE 23505 (unique_violation) naming the index (index),
// modernc.org/sqlite only in the error text, which names the index's columns (columns, as
// "table.column, table.column").
func isUniqueViolation(err error, index, columns string) bool {
	if err == nil {
		return false
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505" && pgErr.ConstraintName == index
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed: "+columns)
}

// GetPhoneNumber returns orgID's live number id, or core.ErrNotFound (also for a released
// number and for another organization's).
func (s *Store) GetPhoneNumber(ctx context.Context, orgID, id string) (dialtone.PhoneNumber, error) {
	n, err := scanPhoneNumber(s.reader.QueryRowContext(ctx, phoneNumberGet, id, orgID))
	return found(n, err, "get phone number")
}

// CarrierNumber returns the live number e164 of carrier, with its organization and its
// carrier credentials (the token still sealed), or core.ErrNotFound.
func (s *Store) CarrierNumber(ctx context.Context, carrier, e164 string) (string, dialtone.PhoneNumber, core.NumberCredentials, error) {
	var org string
	var cred core.NumberCredentials
	n, err := scanPhoneNumber(prefix(s.reader.QueryRowContext(ctx, `SELECT organization_id, carrier_number_sid,
		carrier_secret, `+phoneNumberColumns+` FROM phone_numbers
		WHERE number = $1 AND carrier = $2 AND released_at IS NULL`, e164, carrier), &org, &cred.NumberSID, &cred.SealedToken))
	if errors.Is(err, sql.ErrNoRows) {
		return "", dialtone.PhoneNumber{}, core.NumberCredentials{}, core.ErrNotFound
	}
	if err != nil {
		return "", dialtone.PhoneNumber{}, core.NumberCredentials{}, fmt.Errorf("carrier number: %w", err)
	}
	return org, n, cred, nil
}

// GetPhoneNumberByNumber returns orgID's live number whose E.164 number is number, or
// core.ErrNotFound.
func (s *Store) GetPhoneNumberByNumber(ctx context.Context, orgID, number string) (dialtone.PhoneNumber, error) {
	n, err := scanPhoneNumber(s.reader.QueryRowContext(ctx, `SELECT `+phoneNumberColumns+
		` FROM phone_numbers WHERE number = $1 AND organization_id = $2 AND released_at IS NULL`, number, orgID))
	return found(n, err, "get phone number by number")
}

// ListPhoneNumbers returns a page of orgID's live numbers matching f, newest first, and
// whether more follow. A cursor must name a live number of orgID (it need not match f), else
// core.ErrBadCursor. See listPage for the paging rules.
func (s *Store) ListPhoneNumbers(ctx context.Context, orgID string, f dialtone.PhoneNumberFilter, lp dialtone.ListParams) ([]dialtone.PhoneNumber, bool, error) {
	var filter where
	if f.AgentID != "" {
		filter = filter.and("agent_id = ?", f.AgentID)
	}
	return listPage(ctx, s.reader, listSpec[dialtone.PhoneNumber]{
		what:    "list phone numbers",
		table:   "phone_numbers",
		columns: phoneNumberColumns,
		scope:   where{}.and("organization_id = ?", orgID).and("released_at IS NULL"),
		filter:  filter,
		scan:    scanPhoneNumber,
	}, lp)
}

// UpdatePhoneNumber loads orgID's live number id, lets mutate change it, stores the result and
// returns the number as stored; core.ErrNotFound when there is no such number. Load and store
// are one transaction holding the number's row (PostgreSQL: a row lock; SQLite: the only
// writer connection), so concurrent updates of one number apply one after another. An error
// from mutate aborts the update, changing nothing, and is returned as is.
//
// Only AgentID, InboundEnabled, OutboundEnabled, CustomPrompt, FriendlyName, SMSReplyEnabled,
// MessagesPerSecond, A2P10DLCRegistered and UpdatedAt are stored (the store does not set UpdatedAt); changes mutate makes to any other field are
// ignored. A nil AgentID detaches the number. An AgentID that changes must name a live agent of
// orgID, else the update fails with an ordinary (wrapped) error and changes nothing. mutate
// runs inside the transaction: it must be quick and must not call the Store, which on SQLite
// would wait for the writer connection forever.
func (s *Store) UpdatePhoneNumber(ctx context.Context, orgID, id string, mutate func(*dialtone.PhoneNumber) error) (dialtone.PhoneNumber, error) {
	var updated dialtone.PhoneNumber
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, err := scanPhoneNumber(tx.QueryRowContext(ctx, phoneNumberGet+s.dialect.lockRow(), id, orgID))
		if err != nil {
			return err
		}
		before := n.AgentID
		if err := mutate(&n); err != nil {
			return callerError{err}
		}
		// Only a newly attached agent is checked: the current one was live when it was
		// attached, and DeleteAgent detaches its numbers. (Locking it here too could deadlock
		// with a DeleteAgent that holds the agent and waits for this number.)
		if n.AgentID != nil && (before == nil || *before != *n.AgentID) {
			if err := s.lockLiveAgent(ctx, tx, orgID, *n.AgentID); err != nil {
				return err
			}
		}
		updated, err = scanPhoneNumber(tx.QueryRowContext(ctx, phoneNumberUpdate,
			nullString(n.AgentID), n.InboundEnabled, n.OutboundEnabled, n.CustomPrompt, n.FriendlyName,
			dbTime(n.UpdatedAt), n.SMSReplyEnabled, n.MessagesPerSecond, n.A2P10DLCRegistered, id, orgID))
		return err
	})
	return updateResult(updated, err, "update phone number")
}

// ReleasePhoneNumber marks orgID's live number id released at t, detaches it from its agent
// and sets its updated_at to t; core.ErrNotFound when there is no such number. The row stays
// (its history is kept, and its Number may be inserted again as a new number) but no read of
// the Store returns it again. It returns the number as the release stored it: every field as
// it was just before the release, except AgentID, which is nil, and UpdatedAt, which is t (in
// UTC, to the microsecond). The single UPDATE is atomic on both engines.
func (s *Store) ReleasePhoneNumber(ctx context.Context, orgID, id string, t time.Time, event func(dialtone.PhoneNumber) dialtone.Event) (dialtone.PhoneNumber, error) {
	var n dialtone.PhoneNumber
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = scanPhoneNumber(tx.QueryRowContext(ctx,
			`UPDATE phone_numbers SET released_at = $1, agent_id = NULL, updated_at = $1
			 WHERE id = $2 AND organization_id = $3 AND released_at IS NULL
			 RETURNING `+phoneNumberColumns,
			dbTime(t), id, orgID))
		if err != nil || event == nil {
			return err
		}
		return s.storeEffects(ctx, tx, orgID, core.Effects{Events: []dialtone.Event{event(n)}})
	})
	if errors.Is(err, sql.ErrNoRows) {
		return dialtone.PhoneNumber{}, core.ErrNotFound
	}
	if err != nil {
		return dialtone.PhoneNumber{}, fmt.Errorf("release phone number: %w", err)
	}
	return n, nil
}

// lockOrganizationWithin locks orgID's row for the rest of tx, so that every other such
// transaction of the organization waits (PostgreSQL; SQLite has one writer anyway), and
// returns its billing mode. It returns core.ErrLimit when count (a query of one COUNT with
// $1 = orgID) already reaches limit, and errNoOrganization when there is no such
// organization.
func (s *Store) lockOrganizationWithin(ctx context.Context, tx *sql.Tx, orgID, count string, limit int) (dialtone.BillingMode, error) {
	var mode dialtone.BillingMode
	err := tx.QueryRowContext(ctx, `SELECT billing_mode FROM organizations WHERE id = $1`+s.dialect.lockRow(), orgID).Scan(&mode)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("organization %s: %w", orgID, errNoOrganization)
	}
	if err != nil {
		return "", err
	}
	var n int
	if err := tx.QueryRowContext(ctx, count, orgID).Scan(&n); err != nil {
		return "", err
	}
	if n >= limit {
		return "", core.ErrLimit
	}
	return mode, nil
}
