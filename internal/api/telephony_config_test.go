package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// wantDefaultConfig asserts r is the default telephony config, never set.
func wantDefaultConfig(t *testing.T, r resp) {
	t.Helper()
	mustStatus(t, r, 200)
	if got := strings.TrimSpace(string(r.Raw)); got != `{"object":"telephony_config","allowed_countries":["*"],"allowed_prefixes":[],"block_premium_rate":true,"sms_help_text":"`+dialtone.DefaultSMSHelpText+`","updated_at":null}` {
		t.Fatalf("default config: %s", got)
	}
}

func TestTelephonyConfigRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		readKey := env.Key(t, env.OrgID, dialtone.RoleRead, false)
		def := call(t, env, "GET", "/v1/telephony-config", readKey, "")
		wantDefaultConfig(t, def)
		if etag := def.Header.Get("ETag"); etag == "" {
			t.Fatal("no ETag")
		} else if r := call(t, env, "GET", "/v1/telephony-config", readKey, "", "If-None-Match", etag); r.Status != 304 {
			t.Fatalf("If-None-Match: %d %s", r.Status, r.Raw)
		}

		before := time.Now().UTC().Add(-time.Second)
		put := call(t, env, "PUT", "/v1/telephony-config", env.Admin,
			`{"allowed_countries":["US","GB"],"allowed_prefixes":["+1212","+4420"],"block_premium_rate":false}`)
		mustStatus(t, put, 200)
		if put.JSON["object"] != "telephony_config" || jsonOf(put.JSON["allowed_countries"]) != `["US","GB"]` ||
			jsonOf(put.JSON["allowed_prefixes"]) != `["+1212","+4420"]` || put.JSON["block_premium_rate"] != false {
			t.Fatalf("put: %s", put.Raw)
		}
		updated, err := time.Parse(time.RFC3339Nano, put.JSON["updated_at"].(string))
		if err != nil || updated.Before(before) || updated.After(time.Now().Add(time.Second)) {
			t.Fatalf("updated_at %v (%v)", put.JSON["updated_at"], err)
		}
		got := call(t, env, "GET", "/v1/telephony-config", readKey, "")
		if got.Status != 200 || string(got.Raw) != string(put.Raw) {
			t.Fatalf("GET after PUT: %s\nwant %s", got.Raw, put.Raw)
		}
		if got.Header.Get("ETag") == def.Header.Get("ETag") {
			t.Fatal("ETag unchanged by PUT")
		}

		// PUT replaces the whole config: absent and null fields take their defaults.
		partial := call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{"allowed_prefixes":null,"allowed_countries":["CA"]}`)
		mustStatus(t, partial, 200)
		if jsonOf(partial.JSON["allowed_countries"]) != `["CA"]` || jsonOf(partial.JSON["allowed_prefixes"]) != `[]` ||
			partial.JSON["block_premium_rate"] != true || partial.JSON["updated_at"] == nil {
			t.Fatalf("partial put: %s", partial.Raw)
		}
		empty := call(t, env, "PUT", "/v1/telephony-config", env.Admin, "")
		mustStatus(t, empty, 200)
		if jsonOf(empty.JSON["allowed_countries"]) != `["*"]` || jsonOf(empty.JSON["allowed_prefixes"]) != `[]` ||
			empty.JSON["block_premium_rate"] != true || empty.JSON["updated_at"] == nil {
			t.Fatalf("empty put: %s", empty.Raw)
		}
		if r := call(t, env, "GET", "/v1/telephony-config", readKey, ""); string(r.Raw) != string(empty.Raw) {
			t.Fatalf("GET after empty PUT: %s", r.Raw)
		}
	})
}

func TestTelephonyConfigValidation(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", env.Admin, `{"allowed_countries":["FR"]}`), 200)
		kept := call(t, env, "GET", "/v1/telephony-config", env.Admin, "")

		for _, tc := range []struct {
			name, body, param string
			code              dialtone.Code
			fields            string
		}{
			{"validation only, body order",
				`{"allowed_prefixes":["1212","+1212","+1212","+0"],"allowed_countries":["US","us","XX","US","*"]}`,
				"allowed_prefixes[0]", dialtone.CodeInvalidValue,
				"allowed_prefixes[0]:invalid_value allowed_prefixes[2]:invalid_value allowed_prefixes[3]:invalid_value " +
					"allowed_countries[1]:invalid_country allowed_countries[2]:invalid_country allowed_countries[3]:invalid_value " +
					"allowed_countries[4]:invalid_value"},
			{"decoding and validation merged",
				`{"block_premium_rate":"yes","allowed_countries":["United Kingdom"],"country":"US","allowed_prefixes":["+44"]}`,
				"block_premium_rate", dialtone.CodeInvalidType,
				"block_premium_rate:invalid_type allowed_countries[0]:invalid_country country:unknown_field"},
			{"not arrays", `{"allowed_countries":"US","allowed_prefixes":{"p":"+1"}}`,
				"allowed_countries", dialtone.CodeInvalidType, "allowed_countries:invalid_type allowed_prefixes:invalid_type"},
			{"star not alone", `{"allowed_countries":["*","GB"]}`, "allowed_countries[0]", dialtone.CodeInvalidValue,
				"allowed_countries[0]:invalid_value"},
			{"empty country list", `{"allowed_countries":[]}`, "allowed_countries", dialtone.CodeInvalidValue,
				"allowed_countries:invalid_value"},
			{"too many countries", `{"allowed_countries":` + jsonOf(repeat("US", dialtone.MaxAllowedCountries+1)) + `}`,
				"allowed_countries", dialtone.CodeTooManyItems, "allowed_countries:too_many_items"},
			{"too many prefixes", `{"allowed_prefixes":` + jsonOf(repeat("+1", dialtone.MaxAllowedPrefixes+1)) + `}`,
				"allowed_prefixes", dialtone.CodeTooManyItems, "allowed_prefixes:too_many_items"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantError(t, env, call(t, env, "PUT", "/v1/telephony-config", env.Admin, tc.body), tc.code, tc.param)
				if got := strings.Join(fields(e), " "); got != tc.fields {
					t.Fatalf("fields\n %s\nwant\n %s", got, tc.fields)
				}
			})
		}
		if r := call(t, env, "GET", "/v1/telephony-config", env.Admin, ""); string(r.Raw) != string(kept.Raw) {
			t.Fatalf("refused PUTs changed the config: %s, want %s", r.Raw, kept.Raw)
		}
	})
}

func TestTelephonyConfigPermissionsAndIsolation(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		readKey := env.Key(t, env.OrgID, dialtone.RoleRead, false)
		writeKey := env.Key(t, env.OrgID, dialtone.RoleWrite, false)
		e := wantError(t, env, call(t, env, "PUT", "/v1/telephony-config", readKey, `{"allowed_countries":["US"]}`),
			dialtone.CodeInsufficientPermissions, "")
		if e.Details["required_role"] != "write" {
			t.Fatalf("details %v", e.Details)
		}
		wantDefaultConfig(t, call(t, env, "GET", "/v1/telephony-config", readKey, ""))

		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", writeKey, `{"allowed_countries":["US"],"block_premium_rate":false}`), 200)
		_, b := env.Org(t, "B")
		wantDefaultConfig(t, call(t, env, "GET", "/v1/telephony-config", b, ""))
		mustStatus(t, call(t, env, "PUT", "/v1/telephony-config", b, `{"allowed_countries":["GB"]}`), 200)
		if r := call(t, env, "GET", "/v1/telephony-config", env.Admin, ""); jsonOf(r.JSON["allowed_countries"]) != `["US"]` ||
			r.JSON["block_premium_rate"] != false {
			t.Fatalf("B's PUT changed A's config: %s", r.Raw)
		}
	})
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
