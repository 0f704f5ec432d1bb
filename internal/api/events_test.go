package api_test

import (
	"slices"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// eventIDs returns the ids and the types of a page of events.
func eventIDs(t *testing.T, r resp) (ids, types []string) {
	t.Helper()
	mustStatus(t, r, 200)
	list := decode[dialtone.List[dialtone.Event]](t, r.Raw)
	for _, ev := range list.Data {
		if ev.Object != "event" || ev.CreatedAt.IsZero() || len(ev.Data.Object) == 0 {
			t.Fatalf("event %+v", ev)
		}
		ids, types = append(ids, ev.ID), append(types, ev.Type)
	}
	return ids, types
}

// TestEventsAPI covers listing (newest first, pages, the type filter), retrieving, and the
// errors of /v1/events, with phone number events stored as numbers come and go.
func TestEventsAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		a := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{"friendly_name":"Front desk"}`)
		mustStatus(t, a, 201)
		b := call(t, env, "POST", "/v1/phone-numbers", env.Admin, `{}`)
		mustStatus(t, b, 201)
		aID, bID := a.JSON["id"].(string), b.JSON["id"].(string)
		mustStatus(t, call(t, env, "DELETE", "/v1/phone-numbers/"+aID, env.Admin, ""), 200)

		ids, types := eventIDs(t, call(t, env, "GET", "/v1/events", env.Admin, ""))
		want := []string{dialtone.EventPhoneNumberReleased, dialtone.EventPhoneNumberProvisioned, dialtone.EventPhoneNumberProvisioned}
		if !slices.Equal(types, want) {
			t.Fatalf("types %v, want %v", types, want)
		}
		released, provisionedB, provisionedA := ids[0], ids[1], ids[2]

		// Each event holds the number as it was just after the change.
		r := call(t, env, "GET", "/v1/events/"+provisionedA, env.Admin, "")
		mustStatus(t, r, 200)
		ev := decode[dialtone.Event](t, r.Raw)
		n := decode[dialtone.PhoneNumber](t, ev.Data.Object)
		if ev.ID != provisionedA || ev.Type != dialtone.EventPhoneNumberProvisioned || n.ID != aID ||
			n.Object != "phone_number" || n.FriendlyName != "Front desk" || n.Number != a.JSON["number"] {
			t.Fatalf("provisioned: %s", r.Raw)
		}
		if r.Header.Get("ETag") == "" {
			t.Fatal("no ETag")
		}
		r = call(t, env, "GET", "/v1/events/"+released, env.Admin, "")
		mustStatus(t, r, 200)
		ev = decode[dialtone.Event](t, r.Raw)
		n = decode[dialtone.PhoneNumber](t, ev.Data.Object)
		if ev.Type != dialtone.EventPhoneNumberReleased || n.ID != aID || n.AgentID != nil || n.UpdatedAt.Before(n.CreatedAt) {
			t.Fatalf("released: %s", r.Raw)
		}

		r = call(t, env, "GET", "/v1/events/"+provisionedB, env.Admin, "")
		mustStatus(t, r, 200)
		if n := decode[dialtone.PhoneNumber](t, decode[dialtone.Event](t, r.Raw).Data.Object); n.ID != bID {
			t.Fatalf("provisioned b: %s", r.Raw)
		}

		// Pages, both ways.
		if got, _ := eventIDs(t, call(t, env, "GET", "/v1/events?limit=1", env.Admin, "")); !slices.Equal(got, []string{released}) {
			t.Fatalf("first page %v", got)
		}
		r = call(t, env, "GET", "/v1/events?limit=1&starting_after="+released, env.Admin, "")
		if got, _ := eventIDs(t, r); !slices.Equal(got, []string{provisionedB}) || r.JSON["has_more"] != true {
			t.Fatalf("second page %s", r.Raw)
		}
		r = call(t, env, "GET", "/v1/events?limit=2&starting_after="+released, env.Admin, "")
		if got, _ := eventIDs(t, r); !slices.Equal(got, []string{provisionedB, provisionedA}) || r.JSON["has_more"] != false {
			t.Fatalf("last page %s", r.Raw)
		}
		r = call(t, env, "GET", "/v1/events?limit=1&ending_before="+provisionedA, env.Admin, "")
		if got, _ := eventIDs(t, r); !slices.Equal(got, []string{provisionedB}) || r.JSON["has_more"] != true {
			t.Fatalf("page before %s", r.Raw)
		}

		// The type filter; a read key may list.
		read := env.Key(t, env.OrgID, dialtone.RoleRead, false)
		got, _ := eventIDs(t, call(t, env, "GET", "/v1/events?type=phone_number.provisioned", read, ""))
		if !slices.Equal(got, []string{provisionedB, provisionedA}) {
			t.Fatalf("filtered %v", got)
		}
		got, _ = eventIDs(t, call(t, env, "GET", "/v1/events?type=phone_number.provisioned&starting_after="+released, read, ""))
		if !slices.Equal(got, []string{provisionedB, provisionedA}) {
			t.Fatalf("filtered after a cursor that does not match %v", got)
		}
		if got, _ := eventIDs(t, call(t, env, "GET", "/v1/events?type=call.ended", read, "")); len(got) != 0 {
			t.Fatalf("no call ended yet: %v", got)
		}

		// Errors.
		wantError(t, env, call(t, env, "GET", "/v1/events?type=call.exploded", env.Admin, ""), dialtone.CodeInvalidValue, "type")
		wantError(t, env, call(t, env, "GET", "/v1/events?type=Call.Ended", env.Admin, ""), dialtone.CodeInvalidValue, "type")
		wantError(t, env, call(t, env, "GET", "/v1/events?limit=101", env.Admin, ""), dialtone.CodeInvalidValue, "limit")
		wantError(t, env, call(t, env, "GET", "/v1/events?starting_after=evt_nope", env.Admin, ""), dialtone.CodeInvalidCursor, "")
		wantError(t, env, call(t, env, "GET", "/v1/events?object_id=x", env.Admin, ""), dialtone.CodeUnknownParameter, "object_id")
		wantError(t, env, call(t, env, "GET", "/v1/events/evt_nope", env.Admin, ""), dialtone.CodeEventNotFound, "")

		// Another organization sees none of them.
		_, other := env.Org(t, "other")
		wantError(t, env, call(t, env, "GET", "/v1/events/"+released, other, ""), dialtone.CodeEventNotFound, "")
		if got, _ := eventIDs(t, call(t, env, "GET", "/v1/events", other, "")); len(got) != 0 {
			t.Fatalf("other organization sees %v", got)
		}
		wantError(t, env, call(t, env, "GET", "/v1/events?starting_after="+released, other, ""), dialtone.CodeInvalidCursor, "")
	})
}

// TestCallEventsListed: the events of a real sandbox call appear in /v1/events in the order
// they happened, each holding the call as it was then.
func TestCallEventsListed(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.05}, func(t *testing.T, env *apitest.Env) {
		agent, _, _ := callSetup(t, env, env.Admin, "")
		id := placeCall(t, env, env.Admin, agent, sandboxTo("10"), "")
		final := waitCall(t, env, env.Admin, id, ended)
		if final.Status != dialtone.CallBusy {
			t.Fatalf("status %s, want busy", final.Status)
		}

		r := call(t, env, "GET", "/v1/events?limit=100", env.Admin, "")
		mustStatus(t, r, 200)
		list := decode[dialtone.List[dialtone.Event]](t, r.Raw)
		slices.Reverse(list.Data)
		var types []string
		var statuses []dialtone.CallStatus
		for _, ev := range list.Data {
			if ev.Type == dialtone.EventPhoneNumberProvisioned {
				continue
			}
			c := decode[dialtone.Call](t, ev.Data.Object)
			if c.ID != id || c.Object != "call" {
				t.Fatalf("event %s holds %s", ev.ID, ev.Data.Object)
			}
			types, statuses = append(types, ev.Type), append(statuses, c.Status)
		}
		if want := eventTypes(t, env, env.OrgID, id); !slices.Equal(types, want) || len(types) < 3 ||
			types[0] != dialtone.EventCallQueued || types[len(types)-1] != dialtone.EventCallEnded {
			t.Fatalf("listed %v, stored %v", types, want)
		}
		if statuses[0] != dialtone.CallQueued || statuses[len(statuses)-1] != dialtone.CallBusy {
			t.Fatalf("statuses %v", statuses)
		}
		got, _ := eventIDs(t, call(t, env, "GET", "/v1/events?type=call.ended", env.Admin, ""))
		if len(got) != 1 {
			t.Fatalf("call.ended events %v", got)
		}
	})
}
