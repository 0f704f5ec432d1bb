package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

// PhoneNumbers manages the numbers organizations hold at carriers.
type PhoneNumbers struct {
	store     Store
	carriers  []dialtone.NumberCarrier
	importers map[string]dialtone.NumberImporter
	secrets   Sealer
	log       *slog.Logger
	limit     int
	prices    dialtone.Prices
	now       func() time.Time
}

// carrier returns the carrier called name, if one is configured.
func (s *PhoneNumbers) carrier(name string) (dialtone.NumberCarrier, bool) {
	for _, c := range s.carriers {
		if c.Name() == name {
			return c, true
		}
	}
	return nil, false
}

func (s *PhoneNumbers) carrierNames() string {
	names := make([]string, 0, len(s.carriers))
	for _, c := range s.carriers {
		names = append(names, c.Name())
	}
	return strings.Join(names, ", ")
}

// ValidateCreate returns every invalid field of a provisioning request, without looking
// anything up.
func (s *PhoneNumbers) ValidateCreate(params dialtone.PhoneNumberCreateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if params.Carrier.HasValue() {
		if _, ok := s.carrier(params.Carrier.Value); !ok {
			fe.Addf("carrier", dialtone.CodeInvalidValue, "carrier must be one of: %s; got %q.", s.carrierNames(), params.Carrier.Value)
		}
	}
	if params.Country.HasValue() && !isCountryCode(params.Country.Value) {
		fe.Addf("country", dialtone.CodeInvalidCountry, "country must be a two-letter ISO 3166-1 code such as US; got %q.", params.Country.Value)
	}
	if params.AreaCode.HasValue() && !isDigits(params.AreaCode.Value, 2, 5) {
		fe.Addf("area_code", dialtone.CodeInvalidValue, "area_code must be 2 to 5 digits, such as 415; got %q.", params.AreaCode.Value)
	}
	maxLen(&fe, "friendly_name", params.FriendlyName, dialtone.MaxFriendlyNameLen)
	return fe
}

// ValidateUpdate returns every invalid field of an update, without looking anything up.
func (s *PhoneNumbers) ValidateUpdate(params dialtone.PhoneNumberUpdateParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if params.CustomPrompt.HasValue() && runes(params.CustomPrompt.Value) > dialtone.MaxCustomPromptLen {
		fe.Addf("custom_prompt", dialtone.CodePromptTooLong, "custom_prompt is %d characters; the limit is %d.",
			runes(params.CustomPrompt.Value), dialtone.MaxCustomPromptLen)
	}
	maxLen(&fe, "friendly_name", params.FriendlyName, dialtone.MaxFriendlyNameLen)
	if mps := params.MessagesPerSecond; mps.HasValue() && !(mps.Value >= dialtone.MinMessagesPerSecond && mps.Value <= dialtone.MaxMessagesPerSecond) {
		fe.Addf("messages_per_second", dialtone.CodeValueOutOfRange, "messages_per_second must be between %g and %g; got %g.",
			dialtone.MinMessagesPerSecond, dialtone.MaxMessagesPerSecond, mps.Value)
	}
	return fe
}

// Create provisions a number from a carrier for p's organization (write role), optionally
// attached to an agent, and charges its first month to the organization's ledger in the same
// transaction, with its phone_number.provisioned event. It returns a validation error,
// agent_not_found (param agent_id), no_numbers_available, number_limit_reached, or
// insufficient_balance when the organization is prepaid and its balance is under
// dialtone.MinBalanceToProvisionMicros.
func (s *PhoneNumbers) Create(ctx context.Context, p dialtone.Principal, params dialtone.PhoneNumberCreateParams) (dialtone.PhoneNumber, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	if fe := s.ValidateCreate(params); len(fe) > 0 {
		return dialtone.PhoneNumber{}, fe.Err()
	}
	if params.AgentID.HasValue() {
		if _, err := liveAgent(ctx, s.store, p.OrganizationID, params.AgentID.Value); err != nil {
			return dialtone.PhoneNumber{}, err
		}
	}
	req := dialtone.NumberRequest{Country: or(params.Country, dialtone.DefaultPhoneNumberCountry), AreaCode: params.AreaCode.Value}
	c, _ := s.carrier(or(params.Carrier, dialtone.DefaultPhoneNumberCarrier))
	if c == nil {
		return dialtone.PhoneNumber{}, dialtone.Errorf(dialtone.CodeInvalidValue, "No carrier named %s is configured.",
			dialtone.DefaultPhoneNumberCarrier).WithParam("carrier")
	}
	candidates, err := c.Candidates(ctx, req)
	if err != nil {
		return dialtone.PhoneNumber{}, dialtone.Internal(err)
	}
	now := s.now()
	for _, number := range candidates {
		caps, err := c.Provision(ctx, number)
		if err != nil {
			return dialtone.PhoneNumber{}, dialtone.Internal(err)
		}
		n := dialtone.PhoneNumber{
			ID: dialtone.NewID(dialtone.PrefixPhoneNumber), Object: "phone_number", Number: number,
			Carrier: c.Name(), Source: dialtone.PhoneNumberSourceProvisioned, Country: req.Country,
			FriendlyName: or(params.FriendlyName, nationalFormat(number)), InboundEnabled: true,
			OutboundEnabled: true, Capabilities: caps, PaidThrough: nextMonth(now), CreatedAt: now, UpdatedAt: now,
			MessagesPerSecond: dialtone.DefaultMessagesPerSecond, A2P10DLCRegistered: registeredByDefault(c.Name()),
		}
		if params.AgentID.HasValue() {
			n.AgentID = &params.AgentID.Value
		}
		charge := &Charge{
			Entry: dialtone.LedgerEntry{
				ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry",
				Kind: dialtone.LedgerKindNumberRental, Amount: dialtone.USD(-s.prices.NumberMonthlyMicros),
				Description: "Phone number " + number + ", first month", ReferenceID: n.ID, CreatedAt: now,
			},
			MinBalanceMicros: dialtone.MinBalanceToProvisionMicros,
		}
		provisioned := newEvent(dialtone.EventPhoneNumberProvisioned, n.ID, n, deref(n.AgentID), now)
		err = s.store.InsertPhoneNumber(ctx, p.OrganizationID, n, s.limit, charge, provisioned)
		if err == nil {
			return n, nil
		}
		_ = c.Release(ctx, number)
		switch {
		case errors.Is(err, ErrTaken):
			continue
		case errors.Is(err, ErrInsufficientBalance):
			return dialtone.PhoneNumber{}, s.insufficientBalance(ctx, p.OrganizationID)
		case errors.Is(err, ErrLimit):
			return dialtone.PhoneNumber{}, dialtone.Errorf(dialtone.CodeNumberLimitReached,
				"Your organization may hold %d phone numbers and holds them all.", s.limit).WithDetail("limit", s.limit)
		default:
			return dialtone.PhoneNumber{}, dialtone.Internal(err)
		}
	}
	return dialtone.PhoneNumber{}, dialtone.NewError(dialtone.CodeNoNumbersAvailable, "").
		WithDetail("country", req.Country).WithDetail("area_code", req.AreaCode)
}

// insufficientBalance is the insufficient_balance error of orgID, with its balance as it is
// now (read after the failed insert, for information only).
func (s *PhoneNumbers) insufficientBalance(ctx context.Context, orgID string) error {
	balance, err := s.store.Balance(ctx, orgID)
	if err != nil {
		return dialtone.Internal(err)
	}
	return dialtone.Errorf(dialtone.CodeInsufficientBalance,
		"Provisioning a phone number needs a balance of at least %s; your organization's balance is %s.",
		formatUSD(dialtone.MinBalanceToProvisionMicros), formatUSD(balance)).
		WithDetail("balance_micros", balance).WithDetail("required_micros", dialtone.MinBalanceToProvisionMicros)
}

// formatUSD writes micro-dollars as dollars and cents, rounded towards zero: "$2.99", "-$1.15".
func formatUSD(micros int64) string {
	sign := ""
	if micros < 0 {
		sign, micros = "-", -micros
	}
	cents := micros / 10_000
	return fmt.Sprintf("%s$%d.%02d", sign, cents/100, cents%100)
}

// Get returns a number of p's organization, or phone_number_not_found.
func (s *PhoneNumbers) Get(ctx context.Context, p dialtone.Principal, id string) (dialtone.PhoneNumber, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	n, err := s.store.GetPhoneNumber(ctx, p.OrganizationID, id)
	return n, storeError(err, dialtone.CodePhoneNumberNotFound)
}

// List returns a page of p's organization's numbers, newest first.
func (s *PhoneNumbers) List(ctx context.Context, p dialtone.Principal, f dialtone.PhoneNumberFilter, lp dialtone.ListParams) (dialtone.List[dialtone.PhoneNumber], error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.List[dialtone.PhoneNumber]{}, err
	}
	nums, more, err := s.store.ListPhoneNumbers(ctx, p.OrganizationID, f, lp)
	if err != nil {
		return dialtone.List[dialtone.PhoneNumber]{}, storeError(err, dialtone.CodePhoneNumberNotFound)
	}
	return dialtone.NewList(nums, more), nil
}

// Update changes the fields set in params (write role). Attaching a number another agent holds
// is number_already_assigned; an unknown agent is agent_not_found (param agent_id); a null
// agent_id detaches. On error nothing changes.
func (s *PhoneNumbers) Update(ctx context.Context, p dialtone.Principal, id string, params dialtone.PhoneNumberUpdateParams) (dialtone.PhoneNumber, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	if fe := s.ValidateUpdate(params); len(fe) > 0 {
		return dialtone.PhoneNumber{}, fe.Err()
	}
	if params.AgentID.HasValue() {
		if _, err := liveAgent(ctx, s.store, p.OrganizationID, params.AgentID.Value); err != nil {
			return dialtone.PhoneNumber{}, err
		}
	}
	n, err := s.store.UpdatePhoneNumber(ctx, p.OrganizationID, id, func(n *dialtone.PhoneNumber) error {
		if params.AgentID.HasValue() {
			if n.AgentID != nil && *n.AgentID != params.AgentID.Value {
				return dialtone.Errorf(dialtone.CodeNumberAlreadyAssigned,
					"%s is attached to agent %s; detach it first.", n.Number, *n.AgentID).
					WithParam("agent_id").WithDetail("agent_id", *n.AgentID)
			}
			n.AgentID = &params.AgentID.Value
		} else if params.AgentID.Set {
			n.AgentID = nil
		}
		setOr(&n.InboundEnabled, params.InboundEnabled, true)
		setOr(&n.OutboundEnabled, params.OutboundEnabled, true)
		setOr(&n.CustomPrompt, params.CustomPrompt, "")
		setOr(&n.FriendlyName, params.FriendlyName, nationalFormat(n.Number))
		setOr(&n.SMSReplyEnabled, params.SMSReplyEnabled, false)
		setOr(&n.MessagesPerSecond, params.MessagesPerSecond, dialtone.DefaultMessagesPerSecond)
		setOr(&n.A2P10DLCRegistered, params.A2P10DLCRegistered, registeredByDefault(n.Carrier))
		n.UpdatedAt = s.now()
		return nil
	})
	return n, storeError(err, dialtone.CodePhoneNumberNotFound)
}

// Delete releases a number back to its carrier (write role) and stores its
// phone_number.released event in the same transaction; its calls and messages stay.
// It returns phone_number_not_found.
func (s *PhoneNumbers) Delete(ctx context.Context, p dialtone.Principal, id string) error {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return err
	}
	cred, err := s.credentials(ctx, p.OrganizationID, id)
	if err != nil {
		return err
	}
	now := s.now()
	n, err := s.store.ReleasePhoneNumber(ctx, p.OrganizationID, id, now, func(n dialtone.PhoneNumber) dialtone.Event {
		return newEvent(dialtone.EventPhoneNumberReleased, n.ID, n, deref(n.AgentID), now)
	})
	if err != nil {
		return storeError(err, dialtone.CodePhoneNumberNotFound)
	}
	if c, ok := s.carrier(n.Carrier); ok {
		if err := c.Release(ctx, n.Number); err != nil {
			return dialtone.Internal(err)
		}
	}
	if err := s.forget(ctx, n, cred); err != nil {
		s.log.WarnContext(ctx, "imported number deleted, but its webhooks could not be cleared at the carrier",
			"phone_number_id", n.ID, "carrier", n.Carrier, "error", err)
	}
	return nil
}

// credentials returns the carrier credentials of orgID's number id (zero for a provisioned
// number), or phone_number_not_found.
func (s *PhoneNumbers) credentials(ctx context.Context, orgID, id string) (NumberCredentials, error) {
	n, err := s.store.GetPhoneNumber(ctx, orgID, id)
	if err != nil {
		return NumberCredentials{}, storeError(err, dialtone.CodePhoneNumberNotFound)
	}
	if n.Source != dialtone.PhoneNumberSourceImported {
		return NumberCredentials{}, nil
	}
	_, _, cred, err := s.store.CarrierNumber(ctx, n.Carrier, n.Number)
	return cred, storeError(err, dialtone.CodePhoneNumberNotFound)
}

// liveAgent returns orgID's live agent agentID, or agent_not_found with param agent_id.
func liveAgent(ctx context.Context, store Store, orgID, agentID string) (dialtone.Agent, error) {
	a, err := store.GetAgent(ctx, orgID, agentID)
	if errors.Is(err, ErrNotFound) {
		return dialtone.Agent{}, dialtone.Errorf(dialtone.CodeAgentNotFound, "No agent %s in your organization.", agentID).WithParam("agent_id")
	}
	return a, storeError(err, dialtone.CodeAgentNotFound)
}

// registeredByDefault says whether a new number of carrier starts registered for A2P 10DLC:
// sandbox numbers do (the sandbox plays a registered brand); real ones wait for the operator
// to register them.
func registeredByDefault(carrier string) bool { return carrier == dialtone.DefaultPhoneNumberCarrier }

// or returns o's value when it holds one, def otherwise.
func or[T any](o dialtone.Optional[T], def T) T {
	if o.HasValue() {
		return o.Value
	}
	return def
}

// nationalFormat writes an E.164 number the way its country does, e.g. "(415) 555-0123".
func nationalFormat(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.NATIONAL)
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}

func isDigits(s string, min, max int) bool {
	return len(s) >= min && len(s) <= max && !slices.ContainsFunc([]byte(s), func(c byte) bool { return c < '0' || c > '9' })
}

// nextMonth is when a rental period that starts at t ends: the same day and time next month
// (normalised like time.AddDate, so a period from 31 January ends on 3 March).
func nextMonth(t time.Time) time.Time { return t.AddDate(0, 1, 0) }

// ChargeRentals charges every number whose paid month has ended for its next month, at the
// operator's monthly price, and returns how many charges it stored. Prepaid organizations are
// charged whatever their balance (a negative balance then refuses new calls and numbers);
// release a number to stop its rental. Safe to run from several processes at once: each month
// of each number is charged once.
func (s *PhoneNumbers) ChargeRentals(ctx context.Context) (int, error) {
	now := s.now()
	return s.store.ChargeRentals(ctx, now, nextMonth, func(n dialtone.PhoneNumber, period time.Time) dialtone.LedgerEntry {
		return dialtone.LedgerEntry{
			ID: dialtone.NewID(dialtone.PrefixLedgerEntry), Object: "ledger_entry",
			Kind: dialtone.LedgerKindNumberRental, Amount: dialtone.USD(-s.prices.NumberMonthlyMicros),
			Description: fmt.Sprintf("Phone number %s, %s to %s", n.Number, period.Format(time.DateOnly), nextMonth(period).Format(time.DateOnly)),
			ReferenceID: n.ID, CreatedAt: now,
		}
	})
}
