package core

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

// twilioSID is a Twilio account SID: AC and 32 hexadecimal digits.
var twilioSID = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)

// ValidateImport returns every invalid field of an import, without looking anything up.
func (s *PhoneNumbers) ValidateImport(params dialtone.PhoneNumberImportParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	requireE164(&fe, "phone_number", params.PhoneNumber)
	switch {
	case !params.Carrier.HasValue():
		fe.Addf("carrier", dialtone.CodeFieldRequired, "carrier is required: the carrier the number is imported from (twilio).")
	case s.importers[params.Carrier.Value] == nil:
		fe.Addf("carrier", dialtone.CodeInvalidValue, "Numbers can be imported from: %s; got %q.", s.importerNames(), params.Carrier.Value)
	}
	switch {
	case !params.TwilioAccountSID.HasValue():
		fe.Addf("twilio_account_sid", dialtone.CodeFieldRequired, "twilio_account_sid is required.")
	case !twilioSID.MatchString(params.TwilioAccountSID.Value):
		fe.Addf("twilio_account_sid", dialtone.CodeInvalidTwilioSID,
			"twilio_account_sid must be AC followed by 32 hexadecimal characters; got %d characters starting %q.",
			len(params.TwilioAccountSID.Value), prefixOf(params.TwilioAccountSID.Value, 2))
	}
	if !params.TwilioAuthToken.HasValue() || params.TwilioAuthToken.Value == "" {
		fe.Addf("twilio_auth_token", dialtone.CodeFieldRequired, "twilio_auth_token is required.")
	} else if len(params.TwilioAuthToken.Value) > 256 {
		fe.Addf("twilio_auth_token", dialtone.CodeValueTooLong, "twilio_auth_token is longer than 256 characters.")
	}
	maxLen(&fe, "friendly_name", params.FriendlyName, dialtone.MaxFriendlyNameLen)
	return fe
}

// prefixOf returns the first n bytes of s (all of it when shorter): enough of a value to
// recognise it in an error without echoing it.
func prefixOf(s string, n int) string { return s[:min(n, len(s))] }

func (s *PhoneNumbers) importerNames() string {
	if len(s.importers) == 0 {
		return "(none on this server)"
	}
	return strings.Join(slices.Sorted(maps.Keys(s.importers)), ", ")
}

// Import adopts a number p's organization already holds at a carrier (write role): the carrier
// checks the credentials and that the account holds the number, and points the number's
// webhooks at this installation; then the number is stored with the token sealed, and its
// phone_number.imported event. No rental is charged: the carrier bills the account.
//
// Errors: a validation error; agent_not_found (param agent_id); the carrier's
// carrier_credentials_invalid, number_not_in_carrier_account, provider_rate_limited,
// provider_error or provider_timeout; number_already_imported when a live number of any
// organization here is the same number (checked before the carrier is called, and again when
// storing: a number imported concurrently gets its webhooks cleared again); number_limit_reached.
func (s *PhoneNumbers) Import(ctx context.Context, p dialtone.Principal, params dialtone.PhoneNumberImportParams) (dialtone.PhoneNumber, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	if fe := s.ValidateImport(params); len(fe) > 0 {
		return dialtone.PhoneNumber{}, fe.Err()
	}
	if s.secrets == nil {
		return dialtone.PhoneNumber{}, dialtone.Errorf(dialtone.CodeInvalidValue,
			"This server has no secret key configured, so it cannot keep carrier credentials.").WithParam("twilio_auth_token")
	}
	if params.AgentID.HasValue() {
		if _, err := liveAgent(ctx, s.store, p.OrganizationID, params.AgentID.Value); err != nil {
			return dialtone.PhoneNumber{}, err
		}
	}
	number, name := params.PhoneNumber.Value, params.Carrier.Value
	if err := s.checkNotHeld(ctx, number); err != nil {
		return dialtone.PhoneNumber{}, err
	}
	importer := s.importers[name]
	account := dialtone.CarrierAccount{AccountSID: params.TwilioAccountSID.Value, AuthToken: params.TwilioAuthToken.Value}
	got, err := importer.ImportNumber(ctx, account, number)
	if err != nil {
		return dialtone.PhoneNumber{}, carrierError(err)
	}
	now := s.now()
	n := dialtone.PhoneNumber{
		ID: dialtone.NewID(dialtone.PrefixPhoneNumber), Object: "phone_number", Number: number,
		Carrier: name, Source: dialtone.PhoneNumberSourceImported, Country: countryOf(number),
		FriendlyName: or(params.FriendlyName, cmp.Or(got.FriendlyName, nationalFormat(number))), InboundEnabled: true,
		OutboundEnabled: true, Capabilities: got.Capabilities, CreatedAt: now, UpdatedAt: now,
		MessagesPerSecond: dialtone.DefaultMessagesPerSecond, A2P10DLCRegistered: registeredByDefault(name),
		CarrierAccountSID: &account.AccountSID,
	}
	if params.AgentID.HasValue() {
		n.AgentID = &params.AgentID.Value
	}
	cred := NumberCredentials{NumberSID: got.CarrierSID, SealedToken: s.secrets.Seal(account.AuthToken)}
	imported := newEvent(dialtone.EventPhoneNumberProvisioned, n.ID, n, deref(n.AgentID), now)
	err = s.store.ImportPhoneNumber(ctx, p.OrganizationID, n, cred, s.limit, imported)
	if err == nil {
		return n, nil
	}
	// Not stored: take our webhooks off the number again, unless another import of it won
	// the race (its webhooks are the same URLs, and must stay).
	if !errors.Is(err, ErrTaken) {
		_ = importer.ForgetNumber(context.WithoutCancel(ctx), account, number)
	}
	switch {
	case errors.Is(err, ErrTaken):
		return dialtone.PhoneNumber{}, alreadyImported(number)
	case errors.Is(err, ErrLimit):
		return dialtone.PhoneNumber{}, dialtone.Errorf(dialtone.CodeNumberLimitReached,
			"Your organization may hold %d phone numbers and holds them all.", s.limit).WithDetail("limit", s.limit)
	default:
		return dialtone.PhoneNumber{}, dialtone.Internal(err)
	}
}

// countryOf returns the ISO 3166-1 country of an E.164 number ("" when unknown).
func countryOf(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(num)
}

// checkNotHeld returns number_already_imported when a live number of any organization is
// number.
func (s *PhoneNumbers) checkNotHeld(ctx context.Context, number string) error {
	for name := range s.importers {
		if _, _, _, err := s.store.CarrierNumber(ctx, name, number); err == nil {
			return alreadyImported(number)
		} else if !errors.Is(err, ErrNotFound) {
			return dialtone.Internal(err)
		}
	}
	for _, c := range s.carriers {
		if _, _, _, err := s.store.CarrierNumber(ctx, c.Name(), number); err == nil {
			return alreadyImported(number)
		} else if !errors.Is(err, ErrNotFound) {
			return dialtone.Internal(err)
		}
	}
	return nil
}

func alreadyImported(number string) error {
	return dialtone.Errorf(dialtone.CodeNumberAlreadyImported,
		"%s is already in use on this Dialtone installation; delete it there before importing it again.", number).
		WithParam("phone_number")
}

// carrierError returns err as the API error it is: a carrier adapter's *dialtone.Error as
// it is, anything else as internal_error.
func carrierError(err error) error {
	if e, ok := errors.AsType[*dialtone.Error](err); ok {
		return e
	}
	return dialtone.Internal(err)
}

// forget clears this installation's webhooks from an imported number that was just deleted;
// a failure is logged, not returned: the number is gone from Dialtone either way, and the
// webhooks left at the carrier then answer nothing but 403s.
func (s *PhoneNumbers) forget(ctx context.Context, n dialtone.PhoneNumber, cred NumberCredentials) error {
	importer := s.importers[n.Carrier]
	if importer == nil {
		return nil
	}
	account, err := openAccount(s.secrets, n, cred)
	if err != nil || account == nil {
		return err
	}
	return importer.ForgetNumber(ctx, *account, n.Number)
}
