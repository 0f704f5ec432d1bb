package api_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

var sandboxNumber = regexp.MustCompile(`^\+1[2-9][0-9]{2}55501[0-9]{2}$`)

func TestPhoneNumberLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		agentA := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"A"}`).JSON["id"].(string)
		agentB := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"B"}`).JSON["id"].(string)

		r := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"area_code":"415","agent_id":"`+agentA+`"}`)
		mustStatus(t, r, 201)
		n := r.JSON
		id, number := n["id"].(string), n["number"].(string)
		if !strings.HasPrefix(id, "num_") || !sandboxNumber.MatchString(number) || !strings.HasPrefix(number, "+1415") ||
			n["carrier"] != "sandbox" || n["source"] != "provisioned" || n["country"] != "US" || n["agent_id"] != agentA ||
			n["inbound_enabled"] != true || n["outbound_enabled"] != true || n["friendly_name"] != "(415) 555-"+number[8:] ||
			n["capabilities"].(map[string]any)["voice"] != true || r.Header.Get("Location") != "/v1/phone-numbers/"+id {
			t.Fatalf("create: %s", r.Raw)
		}
		other := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"country":"CA"}`)
		mustStatus(t, other, 201)
		if other.JSON["agent_id"] != nil || other.JSON["number"] == number {
			t.Fatalf("second number: %s", other.Raw)
		}

		list := call(t, env, "GET", "/v1/phone-numbers?agent_id="+agentA, env.Admin, "")
		if data := list.JSON["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != id {
			t.Fatalf("filter: %s", list.Raw)
		}

		// One agent at a time: detach, then attach elsewhere.
		wantError(t, env, call(t, env, "PATCH", "/v1/phone-numbers/"+id, env.Admin, `{"agent_id":"`+agentB+`"}`),
			dialtone.CodeNumberAlreadyAssigned, "agent_id")
		p := call(t, env, "PATCH", "/v1/phone-numbers/"+id, env.Admin, `{"agent_id":null,"inbound_enabled":false,"custom_prompt":"Say you are the night line."}`)
		if p.Status != 200 || p.JSON["agent_id"] != nil || p.JSON["inbound_enabled"] != false || p.JSON["custom_prompt"] != "Say you are the night line." {
			t.Fatalf("detach: %s", p.Raw)
		}
		p = call(t, env, "PATCH", "/v1/phone-numbers/"+id, env.Admin, `{"agent_id":"`+agentB+`","inbound_enabled":null}`)
		if p.Status != 200 || p.JSON["agent_id"] != agentB || p.JSON["inbound_enabled"] != true {
			t.Fatalf("attach: %s", p.Raw)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/phone-numbers/"+id, env.Admin, `{"agent_id":"agt_missing"}`),
			dialtone.CodeAgentNotFound, "agent_id")

		// Deleting the agent detaches its numbers; the number stays.
		mustStatus(t, call(t, env, "DELETE", "/v1/agents/"+agentB, env.Admin, ""), 200)
		if got := call(t, env, "GET", "/v1/phone-numbers/"+id, env.Admin, ""); got.JSON["agent_id"] != nil {
			t.Fatalf("number still attached to a deleted agent: %s", got.Raw)
		}

		// Another organization cannot see or touch it.
		_, b := env.Org(t, "B")
		wantError(t, env, call(t, env, "GET", "/v1/phone-numbers/"+id, b, ""), dialtone.CodePhoneNumberNotFound, "")
		wantError(t, env, call(t, env, "DELETE", "/v1/phone-numbers/"+id, b, ""), dialtone.CodePhoneNumberNotFound, "")

		del := call(t, env, "DELETE", "/v1/phone-numbers/"+id, env.Admin, "")
		if del.Status != 200 || del.JSON["deleted"] != true || del.JSON["object"] != "phone_number" {
			t.Fatalf("release: %s", del.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/phone-numbers/"+id, env.Admin, ""), dialtone.CodePhoneNumberNotFound, "")
	})
}

func TestPhoneNumberLimitAndAvailability(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{MaxNumbersPerOrg: 2})
	for range 2 {
		mustStatus(t, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), 201)
	}
	e := wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), dialtone.CodeNumberLimitReached, "")
	if e.Details["limit"] != 2.0 {
		t.Fatalf("details %v", e.Details)
	}
	if n := len(call(t, env, "GET", "/v1/phone-numbers", env.Admin, "").JSON["data"].([]any)); n != 2 {
		t.Fatalf("%d numbers held", n)
	}
	// Releasing one frees a place.
	id := call(t, env, "GET", "/v1/phone-numbers", env.Admin, "").JSON["data"].([]any)[0].(map[string]any)["id"].(string)
	mustStatus(t, call(t, env, "DELETE", "/v1/phone-numbers/"+id, env.Admin, ""), 200)
	mustStatus(t, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`), 201)

	wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"country":"GB"}`), dialtone.CodeNoNumbersAvailable, "")
	wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"country":"USA"}`), dialtone.CodeInvalidCountry, "country")
	wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"carrier":"twilio"}`), dialtone.CodeInvalidValue, "carrier")
	r := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"area_code":"4a","country":"us","number":"+14155550100"}`)
	if got := fields(wantError(t, env, r, dialtone.CodeInvalidValue, "area_code")); strings.Join(got, " ") != "area_code:invalid_value country:invalid_country number:unknown_field" {
		t.Fatalf("fields %v", got)
	}
}

// TestAreaCodeRunsOut provisions all 100 sandbox numbers of one area code across organizations
// sharing the network: the 101st gets no_numbers_available.
func TestAreaCodeRunsOut(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{MaxNumbersPerOrg: 100, WritesPerMinute: 1000})
	seen := map[string]bool{}
	for range 100 {
		r := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"area_code":"212"}`)
		mustStatus(t, r, 201)
		seen[r.JSON["number"].(string)] = true
	}
	if len(seen) != 100 {
		t.Fatalf("%d distinct numbers", len(seen))
	}
	_, b := env.Org(t, "B")
	wantError(t, env, call(t, env, "POST", "/v1/phone-numbers", b, `{"area_code":"212"}`), dialtone.CodeNoNumbersAvailable, "")
}
