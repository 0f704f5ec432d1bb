package api_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/dialtonehq/dialtone/internal/apitest"
)

func TestAgentLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"Front desk","language":"fr-FR","metadata":{"team":"a"}}`)
		mustStatus(t, r, 201)
		a := r.JSON
		id := a["id"].(string)
		if a["object"] != "agent" || a["voice"] != "sandbox-fr-fr-low" || a["max_call_duration_seconds"] != 1800.0 ||
			a["ring_timeout_seconds"] != 30.0 || a["brain"].(map[string]any)["type"] != "scripted" ||
			a["voicemail"].(map[string]any)["action"] != "hang_up" || r.Header.Get("Location") != "/v1/agents/"+id {
			t.Fatalf("defaults: %s", r.Raw)
		}

		got := call(t, env, "GET", "/v1/agents/"+id, env.Admin, "")
		mustStatus(t, got, 200)
		if string(got.Raw) != string(r.Raw) {
			t.Fatalf("get differs from create:\n%s\n%s", got.Raw, r.Raw)
		}

		// PATCH changes only what is sent; null resets to the default.
		p := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin,
			`{"greeting":"Bonjour","max_call_duration_seconds":60,"metadata":null,"voicemail":{"action":"leave_message","message":"Rappelez-moi"}}`)
		mustStatus(t, p, 200)
		if p.JSON["name"] != "Front desk" || p.JSON["greeting"] != "Bonjour" || p.JSON["max_call_duration_seconds"] != 60.0 ||
			len(p.JSON["metadata"].(map[string]any)) != 0 || p.JSON["voicemail"].(map[string]any)["message"] != "Rappelez-moi" {
			t.Fatalf("patch: %s", p.Raw)
		}
		p = call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"max_call_duration_seconds":null,"language":"de-DE"}`)
		if p.JSON["max_call_duration_seconds"] != 1800.0 || p.JSON["voice"] != "sandbox-de-de-low" {
			t.Fatalf("reset: %s", p.Raw)
		}
		// A voice must speak the agent's language; the failed update changes nothing.
		bad := call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"voice":"sandbox-en-us-high","greeting":"x"}`)
		wantError(t, env, bad, "invalid_voice_id", "voice")
		if again := call(t, env, "GET", "/v1/agents/"+id, env.Admin, ""); again.JSON["greeting"] != "Bonjour" {
			t.Fatalf("failed patch changed the agent: %s", again.Raw)
		}
		wantError(t, env, call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"name":null}`), "field_required", "name")

		del := call(t, env, "DELETE", "/v1/agents/"+id, env.Admin, "")
		mustStatus(t, del, 200)
		if del.JSON["deleted"] != true || del.JSON["id"] != id || del.JSON["object"] != "agent" {
			t.Fatalf("delete: %s", del.Raw)
		}
		wantError(t, env, call(t, env, "GET", "/v1/agents/"+id, env.Admin, ""), "agent_not_found", "")
		wantError(t, env, call(t, env, "DELETE", "/v1/agents/"+id, env.Admin, ""), "agent_not_found", "")
	})
}

func TestValidationListsEveryField(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	r := call(t, env, "POST", "/v1/agents", env.Admin,
		`{"ring_timeout_seconds":"30","language":"klingon","to":"+14155550123","voicemail":{"action":"leave_message"}}`)
	e := wantError(t, env, r, "invalid_type", "ring_timeout_seconds")
	want := []string{"ring_timeout_seconds:invalid_type", "language:invalid_language", "to:unknown_field",
		"voicemail.message:field_required", "name:field_required"}
	if got := fields(e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fields %v, want %v", got, want)
	}
}

func TestAgentListPaginationAndFilter(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		var ids []string
		for i := range 5 {
			r := call(t, env, "POST", "/v1/agents", env.Admin, fmt.Sprintf(`{"name":"agent %d"}`, i%3))
			mustStatus(t, r, 201)
			ids = append(ids, r.JSON["id"].(string))
		}
		page := func(q string) ([]string, bool) {
			r := call(t, env, "GET", "/v1/agents"+q, env.Admin, "")
			mustStatus(t, r, 200)
			var out []string
			for _, a := range r.JSON["data"].([]any) {
				out = append(out, a.(map[string]any)["id"].(string))
			}
			return out, r.JSON["has_more"].(bool)
		}
		first, more := page("?limit=2")
		if fmt.Sprint(first) != fmt.Sprint([]string{ids[4], ids[3]}) || !more {
			t.Fatalf("first page %v %v", first, more)
		}
		second, more := page("?limit=2&starting_after=" + ids[3])
		if fmt.Sprint(second) != fmt.Sprint([]string{ids[2], ids[1]}) || !more {
			t.Fatalf("second page %v %v", second, more)
		}
		last, more := page("?limit=2&starting_after=" + ids[1])
		if fmt.Sprint(last) != fmt.Sprint([]string{ids[0]}) || more {
			t.Fatalf("last page %v %v", last, more)
		}
		back, more := page("?limit=2&ending_before=" + ids[1])
		if fmt.Sprint(back) != fmt.Sprint([]string{ids[3], ids[2]}) || !more {
			t.Fatalf("backwards %v %v", back, more)
		}
		named, _ := page("?name=agent+1")
		if fmt.Sprint(named) != fmt.Sprint([]string{ids[4], ids[1]}) {
			t.Fatalf("filter %v", named)
		}
	})
}

func TestOrganizationsAreIsolated(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		_, b := env.Org(t, "B")
		r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"A's agent"}`)
		mustStatus(t, r, 201)
		id := r.JSON["id"].(string)
		mustStatus(t, call(t, env, "POST", "/v1/agents", b, `{"name":"B's agent"}`), 201)

		wantError(t, env, call(t, env, "GET", "/v1/agents/"+id, b, ""), "agent_not_found", "")
		wantError(t, env, call(t, env, "PATCH", "/v1/agents/"+id, b, `{"name":"stolen"}`), "agent_not_found", "")
		wantError(t, env, call(t, env, "DELETE", "/v1/agents/"+id, b, ""), "agent_not_found", "")
		wantError(t, env, call(t, env, "GET", "/v1/agents?starting_after="+id, b, ""), "invalid_cursor", "")
		list := call(t, env, "GET", "/v1/agents", b, "")
		for _, a := range list.JSON["data"].([]any) {
			if a.(map[string]any)["id"] == id {
				t.Fatal("A's agent in B's list")
			}
		}
		if n := len(list.JSON["data"].([]any)); n != 1 {
			t.Fatalf("B sees %d agents", n)
		}
		if got := call(t, env, "GET", "/v1/agents/"+id, env.Admin, ""); got.JSON["name"] != "A's agent" {
			t.Fatalf("A's agent changed: %s", got.Raw)
		}
	})
}

func TestConcurrentIdempotentCreates(t *testing.T) {
	eachDialect(t, func(t *testing.T, env *apitest.Env) {
		const n = 20
		results := make([]resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"once"}`, "Idempotency-Key", "create-once")
			}()
		}
		wg.Wait()
		for i, r := range results {
			if r.Status != 201 || string(r.Raw) != string(results[0].Raw) {
				t.Fatalf("answer %d: %d %s; first: %d %s", i, r.Status, r.Raw, results[0].Status, results[0].Raw)
			}
		}
		list := call(t, env, "GET", "/v1/agents?name=once", env.Admin, "")
		if n := len(list.JSON["data"].([]any)); n != 1 {
			t.Fatalf("%d agents created", n)
		}
		replay := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"once"}`, "Idempotency-Key", "create-once")
		if replay.Header.Get("Idempotent-Replayed") != "true" || string(replay.Raw) != string(results[0].Raw) {
			t.Fatalf("replay: %v %s", replay.Header, replay.Raw)
		}
	})
}

func TestETag(t *testing.T) {
	env := apitest.Start(t, "sqlite", apitest.Options{})
	r := call(t, env, "POST", "/v1/agents", env.Admin, `{"name":"e"}`)
	id := r.JSON["id"].(string)
	for _, path := range []string{"/v1/agents/" + id, "/v1/agents", "/v1/organization", "/v1/voices", "/v1/keys"} {
		first := call(t, env, "GET", path, env.Admin, "")
		etag := first.Header.Get("ETag")
		if first.Status != 200 || etag == "" {
			t.Fatalf("%s: %d etag %q", path, first.Status, etag)
		}
		again := call(t, env, "GET", path, env.Admin, "", "If-None-Match", etag)
		if again.Status != 304 || len(again.Raw) != 0 || again.Header.Get("ETag") != etag {
			t.Fatalf("%s: conditional GET gave %d %q", path, again.Status, again.Raw)
		}
	}
	old := call(t, env, "GET", "/v1/agents/"+id, env.Admin, "").Header.Get("ETag")
	mustStatus(t, call(t, env, "PATCH", "/v1/agents/"+id, env.Admin, `{"greeting":"hi"}`), 200)
	if r := call(t, env, "GET", "/v1/agents/"+id, env.Admin, "", "If-None-Match", old); r.Status != 200 {
		t.Fatalf("stale ETag gave %d", r.Status)
	}
}
