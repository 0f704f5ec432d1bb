package core

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
)

// TelephonyConfigs manages each organization's telephony config: the destinations its calls
// may reach.
type TelephonyConfigs struct {
	store Store
	now   func() time.Time
}

// prefixShape is an E.164 prefix: "+", a country code's first digit, then up to 14 digits.
var prefixShape = regexp.MustCompile(`^\+[1-9][0-9]{0,14}$`)

// Reasons a destination is refused, in DestinationError.Reason.
const (
	DestinationCountryNotAllowed = "country_not_allowed" // the number's country is not in allowed_countries
	DestinationPrefixNotAllowed  = "prefix_not_allowed"  // the number starts with none of allowed_prefixes
	DestinationPremiumRate       = "premium_rate"        // a premium-rate or shared-cost number, and block_premium_rate is on
)

// DestinationError is CheckDestination's answer for a number the organization's telephony
// config does not allow. It is not a catalogued error: the calls API maps it to 403
// destination_not_allowed (with Reason in the details).
type DestinationError struct {
	Number string // the E.164 number refused
	Reason string // DestinationCountryNotAllowed, DestinationPrefixNotAllowed or DestinationPremiumRate
}

func (e *DestinationError) Error() string {
	switch e.Reason {
	case DestinationCountryNotAllowed:
		return fmt.Sprintf("calls to %s are not allowed: its country is not in allowed_countries", e.Number)
	case DestinationPrefixNotAllowed:
		return fmt.Sprintf("calls to %s are not allowed: it starts with none of allowed_prefixes", e.Number)
	case DestinationPremiumRate:
		return fmt.Sprintf("calls to %s are not allowed: it is a premium-rate or shared-cost number and block_premium_rate is on", e.Number)
	}
	return fmt.Sprintf("calls to %s are not allowed (%s)", e.Number, e.Reason)
}

// Validate returns every invalid field of params, in the order the fields are documented.
// Absent and null fields are valid: they take their defaults.
func (s *TelephonyConfigs) Validate(params dialtone.TelephonyConfigParams) dialtone.FieldErrors {
	var fe dialtone.FieldErrors
	if params.AllowedCountries.HasValue() {
		validateAllowedCountries(&fe, params.AllowedCountries.Value)
	}
	if params.AllowedPrefixes.HasValue() {
		validateAllowedPrefixes(&fe, params.AllowedPrefixes.Value)
	}
	if t := params.SMSHelpText; t.HasValue() {
		if strings.TrimSpace(t.Value) == "" {
			fe.Addf("sms_help_text", dialtone.CodeValueTooShort, "sms_help_text must not be empty: it is the answer to HELP. Send null for the default.")
		}
		maxLen(&fe, "sms_help_text", t, dialtone.MaxSMSHelpTextLen)
	}
	return fe
}

func validateAllowedCountries(fe *dialtone.FieldErrors, countries []string) {
	const field = "allowed_countries"
	switch {
	case len(countries) == 0:
		fe.Add(field, dialtone.CodeInvalidValue,
			`allowed_countries must list at least one country, or be ["*"] for every country.`)
		return
	case len(countries) > dialtone.MaxAllowedCountries:
		fe.Addf(field, dialtone.CodeTooManyItems, "allowed_countries holds %d countries; the limit is %d.",
			len(countries), dialtone.MaxAllowedCountries)
		return
	}
	regions := phonenumbers.GetSupportedRegions()
	seen := make(map[string]bool, len(countries))
	for i, c := range countries {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case c == dialtone.AllCountries:
			if len(countries) > 1 {
				fe.Add(f, dialtone.CodeInvalidValue, `"*" (every country) must be the only entry of allowed_countries.`)
				continue
			}
		case !isCountryCode(c) || !regions[c]:
			msg := fmt.Sprintf("%s must be a two-letter ISO 3166-1 code in capitals, such as US, or \"*\"; got %q.", f, c)
			if up := strings.ToUpper(c); up != c && isCountryCode(up) && regions[up] {
				msg = fmt.Sprintf("%s must be in capitals: %q, not %q.", f, up, c)
			} else if isCountryCode(c) {
				msg = fmt.Sprintf("%s: %q is not a country or region with a telephone numbering plan.", f, c)
			}
			fe.Add(f, dialtone.CodeInvalidCountry, msg)
		case seen[c]:
			fe.Addf(f, dialtone.CodeInvalidValue, "%s is listed twice.", c)
		}
		seen[c] = true
	}
}

func validateAllowedPrefixes(fe *dialtone.FieldErrors, prefixes []string) {
	const field = "allowed_prefixes"
	if len(prefixes) > dialtone.MaxAllowedPrefixes {
		fe.Addf(field, dialtone.CodeTooManyItems, "allowed_prefixes holds %d prefixes; the limit is %d.",
			len(prefixes), dialtone.MaxAllowedPrefixes)
		return
	}
	seen := make(map[string]bool, len(prefixes))
	for i, p := range prefixes {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !prefixShape.MatchString(p):
			fe.Addf(f, dialtone.CodeInvalidValue,
				"%s must be the start of an E.164 number: a +, then 1 to 15 digits not starting with 0, such as +1212; got %q.", f, p)
		case seen[p]:
			fe.Addf(f, dialtone.CodeInvalidValue, "%s is listed twice.", p)
		}
		seen[p] = true
	}
}

// Get returns p's organization's telephony config (read role): the default config, with a
// null updated_at, when the organization never set one.
func (s *TelephonyConfigs) Get(ctx context.Context, p dialtone.Principal) (dialtone.TelephonyConfig, error) {
	if err := Authorize(p, dialtone.RoleRead); err != nil {
		return dialtone.TelephonyConfig{}, err
	}
	return s.config(ctx, p.OrganizationID)
}

// config returns orgID's telephony config, the default when none is stored.
func (s *TelephonyConfigs) config(ctx context.Context, orgID string) (dialtone.TelephonyConfig, error) {
	cfg, found, err := s.store.GetTelephonyConfig(ctx, orgID)
	if err != nil {
		return dialtone.TelephonyConfig{}, dialtone.Internal(err)
	}
	if !found {
		return dialtone.DefaultTelephonyConfig(), nil
	}
	return cfg, nil
}

// Put replaces p's organization's telephony config with params (write role): every field
// absent or null takes its default. It returns a validation error listing every invalid field,
// and otherwise the config as stored.
func (s *TelephonyConfigs) Put(ctx context.Context, p dialtone.Principal, params dialtone.TelephonyConfigParams) (dialtone.TelephonyConfig, error) {
	if err := Authorize(p, dialtone.RoleWrite); err != nil {
		return dialtone.TelephonyConfig{}, err
	}
	if fe := s.Validate(params); len(fe) > 0 {
		return dialtone.TelephonyConfig{}, fe.Err()
	}
	cfg := dialtone.DefaultTelephonyConfig()
	if params.AllowedCountries.HasValue() {
		cfg.AllowedCountries = slices.Clone(params.AllowedCountries.Value)
	}
	if params.AllowedPrefixes.HasValue() {
		cfg.AllowedPrefixes = slices.Clone(params.AllowedPrefixes.Value)
	}
	setOr(&cfg.BlockPremiumRate, params.BlockPremiumRate, dialtone.DefaultBlockPremiumRate)
	setOr(&cfg.SMSHelpText, params.SMSHelpText, dialtone.DefaultSMSHelpText)
	now := s.now()
	cfg.UpdatedAt = &now
	if err := s.store.PutTelephonyConfig(ctx, p.OrganizationID, cfg); err != nil {
		return dialtone.TelephonyConfig{}, dialtone.Internal(err)
	}
	return cfg, nil
}

// CheckDestination reports whether orgID's calls may reach e164, for the calls API. It returns
// nil when the number is allowed; a *DestinationError when the organization's telephony config
// refuses it (the calls API maps it to 403 destination_not_allowed); invalid_phone_format (a
// *dialtone.Error, without param) when e164 is not a valid E.164 number; and internal_error
// when the config cannot be read.
//
// A number is allowed when its country (the region phonenumbers assigns it, so +1 876 … is
// JM, not US; non-geographic numbers such as +800 … are region "001" and pass only with
// ["*"]) is in allowed_countries or that list is ["*"]; when allowed_prefixes is empty or the
// number starts with one of them; and, with block_premium_rate, when it is neither a
// premium-rate nor a shared-cost number. The reasons are checked in that order and the first
// that fails is reported.
func (s *TelephonyConfigs) CheckDestination(ctx context.Context, orgID, e164 string) error {
	if err := CheckE164(e164); err != nil {
		return err
	}
	num, err := phonenumbers.Parse(e164, "")
	if err != nil { // CheckE164 parsed it already
		return dialtone.Internal(err)
	}
	cfg, err := s.config(ctx, orgID)
	if err != nil {
		return err
	}
	return allowedDestination(cfg, e164, num)
}

// Destinations returns a check of numbers against orgID's telephony config, for many numbers
// at once (the config is read once): given a valid E.164 number and its parse, the check
// returns nil or the *DestinationError CheckDestination would.
func (s *TelephonyConfigs) Destinations(ctx context.Context, orgID string) (func(e164 string, num *phonenumbers.PhoneNumber) error, error) {
	cfg, err := s.config(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return func(e164 string, num *phonenumbers.PhoneNumber) error {
		return allowedDestination(cfg, e164, num)
	}, nil
}

// allowedDestination returns a *DestinationError when cfg refuses e164 (parsed as num).
func allowedDestination(cfg dialtone.TelephonyConfig, e164 string, num *phonenumbers.PhoneNumber) error {
	if !slices.Equal(cfg.AllowedCountries, []string{dialtone.AllCountries}) &&
		!slices.Contains(cfg.AllowedCountries, phonenumbers.GetRegionCodeForNumber(num)) {
		return &DestinationError{Number: e164, Reason: DestinationCountryNotAllowed}
	}
	if len(cfg.AllowedPrefixes) > 0 &&
		!slices.ContainsFunc(cfg.AllowedPrefixes, func(p string) bool { return strings.HasPrefix(e164, p) }) {
		return &DestinationError{Number: e164, Reason: DestinationPrefixNotAllowed}
	}
	if cfg.BlockPremiumRate {
		if t := phonenumbers.GetNumberType(num); t == phonenumbers.PREMIUM_RATE || t == phonenumbers.SHARED_COST {
			return &DestinationError{Number: e164, Reason: DestinationPremiumRate}
		}
	}
	return nil
}
