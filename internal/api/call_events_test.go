package api_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/apitest"
)

// sseEvent is one Server-Sent Event as read off the wire.
type sseEvent struct {
	id, event string
	data      dialtone.Event
}

// readEvents follows GET /v1/calls/{id}/events until the server ends the stream.
func readEvents(t *testing.T, env *apitest.Env, id, lastEventID string) ([]sseEvent, *http.Response) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", env.URL+"/v1/calls/"+id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+env.Admin)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.id != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &cur.data); err != nil {
				t.Fatalf("data: %v: %s", err, line)
			}
		}
	}
	return out, res
}

func TestCallEventStream(t *testing.T) {
	eachDialectWith(t, apitest.Options{TimeScale: 0.01}, func(t *testing.T, env *apitest.Env) {
		agent, _, _ := callSetup(t, env, env.Admin, "")
		id := placeCall(t, env, env.Admin, agent, sandboxTo("14"), "")
		evs, res := readEvents(t, env, id, "")
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("ETag") != "" {
			t.Fatalf("%d %v", res.StatusCode, res.Header)
		}
		var types, statuses []string
		for _, e := range evs {
			var c dialtone.Call
			if err := json.Unmarshal(e.data.Data.Object, &c); err != nil || c.ID != id || e.data.ID != e.id || e.data.Type != e.event {
				t.Fatalf("event %+v: %v", e, err)
			}
			types, statuses = append(types, e.event), append(statuses, string(c.Status))
		}
		if !slices.Equal(types, []string{"call.queued", "call.dialing", "call.ringing", "call.started", "call.ended"}) ||
			!slices.Equal(statuses, []string{"queued", "dialing", "ringing", "in_progress", "completed"}) {
			t.Fatalf("types %v statuses %v", types, statuses)
		}
		// Resuming after the second event gives the rest, and the ended call closes the stream.
		rest, _ := readEvents(t, env, id, evs[1].id)
		if len(rest) != 3 || rest[0].id != evs[2].id || rest[2].event != "call.ended" {
			t.Fatalf("resumed %+v", rest)
		}
		wantError(t, env, call(t, env, "GET", "/v1/calls/call_nope/events", env.Admin, ""), dialtone.CodeCallNotFound, "")
	})
}
