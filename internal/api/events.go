package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// eventFilter reads the filters of GET /v1/events; every invalid one is listed.
func eventFilter(r *http.Request) (dialtone.EventFilter, error) {
	f := dialtone.EventFilter{Type: r.URL.Query().Get("type")}
	return f, core.ValidateEventFilter(f).Err()
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	f, err := eventFilter(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Events.List(r.Context(), principal(r.Context()), f, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.svc.Events.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ev)
	return nil
}

func (s *Server) redeliverEvent(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, core.ValidateRedeliver)
	if err != nil {
		return err
	}
	rd, err := s.svc.Webhooks.Redeliver(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusAccepted, rd)
	return nil
}
