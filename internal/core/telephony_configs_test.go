package core_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
	"github.com/dialtonehq/dialtone/internal/sqlstore"
	"github.com/dialtonehq/dialtone/internal/sqlstore/sqltest"
)

// newOrg stores a new organization and returns a principal of it with role.
func newOrg(t *testing.T, st *sqlstore.Store, role dialtone.Role) dialtone.Principal {
	t.Helper()
	org := dialtone.Organization{ID: dialtone.NewID(dialtone.PrefixOrganization), Object: "organization",
		Name: "Acme", CreatedAt: time.Now().UTC()}
	key := core.KeyRecord{APIKey: dialtone.APIKey{ID: dialtone.NewID(dialtone.PrefixKey), Object: "api_key",
		OrganizationID: org.ID, Name: "admin", Role: dialtone.RoleAdmin, CreatedAt: org.CreatedAt}, SecretHash: make([]byte, 32)}
	if err := st.CreateOrganization(t.Context(), org, key); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	return dialtone.Principal{KeyID: key.ID, OrganizationID: org.ID, Role: role}
}

// e164Of formats a number phonenumbers gives as an example, asserting its type is typ (so the
// test does not rely on a number whose classification changes with the library's metadata).
func e164Of(t *testing.T, s string, region string, typ phonenumbers.PhoneNumberType) string {
	t.Helper()
	var num *phonenumbers.PhoneNumber
	if s != "" {
		var err error
		if num, err = phonenumbers.Parse(s, ""); err != nil {
			t.Fatalf("parse %s: %v", s, err)
		}
	} else if num = phonenumbers.GetExampleNumberForType(region, typ); num == nil {
		t.Fatalf("no example %v number for %s", typ, region)
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if got := phonenumbers.GetNumberType(num); got != typ {
		t.Fatalf("%s is of type %v, want %v", e164, got, typ)
	}
	if got := phonenumbers.GetRegionCodeForNumber(num); got != region {
		t.Fatalf("%s is in region %s, want %s", e164, got, region)
	}
	return e164
}

func TestCheckDestination(t *testing.T) {
	t.Parallel()
	usPremium := e164Of(t, "+19002345678", "US", phonenumbers.PREMIUM_RATE)
	gbPremium := e164Of(t, "+449061234567", "GB", phonenumbers.PREMIUM_RATE)
	frShared := e164Of(t, "", "FR", phonenumbers.SHARED_COST)
	usLandline := e164Of(t, "+12125550100", "US", phonenumbers.FIXED_LINE_OR_MOBILE)
	usOther := e164Of(t, "+14155550123", "US", phonenumbers.FIXED_LINE_OR_MOBILE)
	gbLandline := e164Of(t, "+442079460000", "GB", phonenumbers.FIXED_LINE)
	gbMobile := e164Of(t, "+447400123456", "GB", phonenumbers.MOBILE)
	jamaica := e164Of(t, "", "JM", phonenumbers.FIXED_LINE_OR_MOBILE) // +1 876…: NANP, not US

	all := dialtone.TelephonyConfigParams{}
	usOnly := dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US"})}
	usGB := dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US", "GB"})}
	manhattan := dialtone.TelephonyConfigParams{AllowedPrefixes: dialtone.Some([]string{"+1212", "+4420"})}
	premiumAllowed := dialtone.TelephonyConfigParams{BlockPremiumRate: dialtone.Some(false)}
	gbPrefixUSOnly := dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US"}),
		AllowedPrefixes: dialtone.Some([]string{"+44"})}

	cases := []struct {
		name   string
		params *dialtone.TelephonyConfigParams // nil: never configured (the default)
		number string
		reason string // "" when allowed
	}{
		{"default allows a US number", nil, usLandline, ""},
		{"default allows a GB mobile", nil, gbMobile, ""},
		{"default blocks GB premium rate", nil, gbPremium, core.DestinationPremiumRate},
		{"default blocks FR shared cost", nil, frShared, core.DestinationPremiumRate},
		{"default blocks US premium rate", nil, usPremium, core.DestinationPremiumRate},
		{"empty put blocks premium rate", &all, gbPremium, core.DestinationPremiumRate},
		{"US only allows US", &usOnly, usLandline, ""},
		{"US only refuses GB", &usOnly, gbLandline, core.DestinationCountryNotAllowed},
		{"US only refuses Jamaica despite +1", &usOnly, jamaica, core.DestinationCountryNotAllowed},
		{"US only still blocks US premium", &usOnly, usPremium, core.DestinationPremiumRate},
		{"US and GB allow GB", &usGB, gbMobile, ""},
		{"US and GB refuse GB premium", &usGB, gbPremium, core.DestinationPremiumRate},
		{"prefix filter allows a match", &manhattan, usLandline, ""},
		{"prefix filter allows the other prefix", &manhattan, gbLandline, ""},
		{"prefix filter refuses other US numbers", &manhattan, usOther, core.DestinationPrefixNotAllowed},
		{"prefix filter refuses GB mobile", &manhattan, gbMobile, core.DestinationPrefixNotAllowed},
		{"country checked before prefix", &gbPrefixUSOnly, gbLandline, core.DestinationCountryNotAllowed},
		{"prefix checked before premium", &gbPrefixUSOnly, usPremium, core.DestinationPrefixNotAllowed},
		{"premium allowed when not blocked", &premiumAllowed, gbPremium, ""},
		{"shared cost allowed when not blocked", &premiumAllowed, frShared, ""},
	}
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		svc := core.New(st, nil, core.Options{})
		for _, tc := range cases {
			p := newOrg(t, st, dialtone.RoleWrite)
			if tc.params != nil {
				if _, err := svc.TelephonyConfigs.Put(t.Context(), p, *tc.params); err != nil {
					t.Fatalf("%s: Put: %v", tc.name, err)
				}
			}
			err := svc.TelephonyConfigs.CheckDestination(t.Context(), p.OrganizationID, tc.number)
			if tc.reason == "" {
				if err != nil {
					t.Errorf("%s: CheckDestination(%s) = %v, want nil", tc.name, tc.number, err)
				}
				continue
			}
			de, ok := errors.AsType[*core.DestinationError](err)
			if !ok || de.Reason != tc.reason || de.Number != tc.number {
				t.Errorf("%s: CheckDestination(%s) = %#v, want a DestinationError with reason %s", tc.name, tc.number, err, tc.reason)
				continue
			}
			if !strings.Contains(de.Error(), tc.number) {
				t.Errorf("%s: message %q does not name the number", tc.name, de.Error())
			}
		}

		// A number that is not E.164 is invalid_phone_format, not a refused destination.
		p := newOrg(t, st, dialtone.RoleWrite)
		for _, bad := range []string{"02079460000", "+1 212 555 0100", "+12115550100", ""} {
			err := svc.TelephonyConfigs.CheckDestination(t.Context(), p.OrganizationID, bad)
			var de *dialtone.Error
			if !errors.As(err, &de) || de.Code != dialtone.CodeInvalidPhoneFormat {
				t.Errorf("CheckDestination(%q) = %v, want invalid_phone_format", bad, err)
			}
		}
	})
}

func TestTelephonyConfigDefaultsAndPut(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, st *sqlstore.Store) {
		now := time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
		svc := core.New(st, nil, core.Options{Now: func() time.Time { return now }})
		writer := newOrg(t, st, dialtone.RoleWrite)
		reader := dialtone.Principal{OrganizationID: writer.OrganizationID, Role: dialtone.RoleRead}

		cfg, err := svc.TelephonyConfigs.Get(t.Context(), reader)
		if err != nil || strings.Join(cfg.AllowedCountries, ",") != "*" || cfg.AllowedPrefixes == nil ||
			len(cfg.AllowedPrefixes) != 0 || !cfg.BlockPremiumRate || cfg.UpdatedAt != nil || cfg.Object != "telephony_config" {
			t.Fatalf("default Get = %+v, %v", cfg, err)
		}
		if _, err := svc.TelephonyConfigs.Put(t.Context(), reader, dialtone.TelephonyConfigParams{}); !isCode(err, dialtone.CodeInsufficientPermissions) {
			t.Errorf("Put with a read key: %v, want insufficient_permissions", err)
		}

		put, err := svc.TelephonyConfigs.Put(t.Context(), writer, dialtone.TelephonyConfigParams{
			AllowedCountries: dialtone.Some([]string{"GB"}), AllowedPrefixes: dialtone.Some([]string{"+4420"}),
			BlockPremiumRate: dialtone.Some(false),
		})
		if err != nil || put.UpdatedAt == nil || !put.UpdatedAt.Equal(now.Truncate(time.Microsecond)) {
			t.Fatalf("Put = %+v, %v", put, err)
		}
		got, err := svc.TelephonyConfigs.Get(t.Context(), reader)
		if err != nil || strings.Join(got.AllowedCountries, ",") != "GB" || strings.Join(got.AllowedPrefixes, ",") != "+4420" ||
			got.BlockPremiumRate || got.UpdatedAt == nil || !got.UpdatedAt.Equal(*put.UpdatedAt) {
			t.Fatalf("Get after Put = %+v, %v; want %+v", got, err, put)
		}

		// PUT replaces everything: null and absent fields take their defaults.
		reset, err := svc.TelephonyConfigs.Put(t.Context(), writer, dialtone.TelephonyConfigParams{
			AllowedCountries: dialtone.Null[[]string](),
		})
		if err != nil || strings.Join(reset.AllowedCountries, ",") != "*" || len(reset.AllowedPrefixes) != 0 || !reset.BlockPremiumRate {
			t.Fatalf("reset Put = %+v, %v", reset, err)
		}
	})
}

func TestTelephonyConfigValidate(t *testing.T) {
	t.Parallel()
	svc := core.New(nil, nil, core.Options{})
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	regions := make([]string, 0, len(phonenumbers.GetSupportedRegions()))
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	for _, tc := range []struct {
		name   string
		params dialtone.TelephonyConfigParams
		want   string // "field:code ..." in order
	}{
		{"defaults", dialtone.TelephonyConfigParams{}, ""},
		{"nulls", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Null[[]string](), AllowedPrefixes: dialtone.Null[[]string]()}, ""},
		{"every region", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some(regions)}, ""},
		{"star", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"*"}), AllowedPrefixes: dialtone.Some([]string{})}, ""},
		{"bad countries", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US", "us", "XX", "USA", "", "US", "001"})},
			"allowed_countries[1]:invalid_country allowed_countries[2]:invalid_country allowed_countries[3]:invalid_country " +
				"allowed_countries[4]:invalid_country allowed_countries[5]:invalid_value allowed_countries[6]:invalid_country"},
		{"star mixed", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"US", "*"})}, "allowed_countries[1]:invalid_value"},
		{"empty countries", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{})}, "allowed_countries:invalid_value"},
		{"too many countries", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some(many(251, func(int) string { return "US" }))},
			"allowed_countries:too_many_items"},
		{"bad prefixes", dialtone.TelephonyConfigParams{AllowedPrefixes: dialtone.Some([]string{"+1212", "1212", "+0", "+", "+1212", "+1234567890123456", "+123456789012345"})},
			"allowed_prefixes[1]:invalid_value allowed_prefixes[2]:invalid_value allowed_prefixes[3]:invalid_value " +
				"allowed_prefixes[4]:invalid_value allowed_prefixes[5]:invalid_value"},
		{"too many prefixes", dialtone.TelephonyConfigParams{AllowedPrefixes: dialtone.Some(many(101, func(i int) string { return "+1" + strings.Repeat("2", i%14) }))},
			"allowed_prefixes:too_many_items"},
		{"both", dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"gb"}), AllowedPrefixes: dialtone.Some([]string{"x"})},
			"allowed_countries[0]:invalid_country allowed_prefixes[0]:invalid_value"},
	} {
		var got []string
		for _, f := range svc.TelephonyConfigs.Validate(tc.params) {
			got = append(got, f.Field+":"+string(f.Code))
			if f.Message == "" {
				t.Errorf("%s: %s has no message", tc.name, f.Field)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: Validate = %v, want %s", tc.name, got, tc.want)
		}
	}
	fe := svc.TelephonyConfigs.Validate(dialtone.TelephonyConfigParams{AllowedCountries: dialtone.Some([]string{"gb"})})
	if len(fe) != 1 || !strings.Contains(fe[0].Message, `"GB"`) {
		t.Errorf("lower-case code: %v, want a message suggesting GB", fe)
	}
}

func isCode(err error, code dialtone.Code) bool {
	var e *dialtone.Error
	return errors.As(err, &e) && e.Code == code
}
