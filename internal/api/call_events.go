package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/dialtonehq/dialtone"
)

// How the call event stream polls and keeps the connection alive.
const (
	streamPoll      = 100 * time.Millisecond
	streamKeepAlive = 15 * time.Second
)

// streamCallEvents serves GET /v1/calls/{id}/events: the call's events so far (after the
// Last-Event-ID header's event, when given), then each new one as it is recorded, as
// Server-Sent Events; the stream ends after call.ended or when the client goes away. Events
// come from the database, so any server can follow a call another one handles.
func (s *Server) streamCallEvents(w http.ResponseWriter, r *http.Request) error {
	ctx, p, id := r.Context(), principal(r.Context()), r.PathValue("id")
	after := r.Header.Get("Last-Event-ID")
	evs, err := s.svc.Calls.Events(ctx, p, id, after)
	if err != nil {
		return err // nothing written yet: an ordinary error answer
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell proxies not to buffer the stream
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(streamPoll)
	defer tick.Stop()
	quiet := time.Now()
	for {
		for _, ev := range evs {
			data, err := json.Marshal(ev)
			if err != nil {
				return nil // the response has started: nothing else can be said
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, data); err != nil {
				return nil
			}
			after, quiet = ev.ID, time.Now()
			if ev.Type == dialtone.EventCallEnded {
				_ = rc.Flush()
				return nil
			}
		}
		if time.Since(quiet) >= streamKeepAlive {
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			quiet = time.Now()
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if evs, err = s.svc.Calls.Events(ctx, p, id, after); err != nil {
			return nil
		}
	}
}
