package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) createAgent(w http.ResponseWriter, r *http.Request) error {
	params, b, err := s.agentParams(w, r, false)
	if err != nil {
		return err
	}
	a, err := s.svc.Agents.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/agents/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// agentParams decodes an agent body, validated as a create or (update) a change.
func (s *Server) agentParams(w http.ResponseWriter, r *http.Request, update bool) (dialtone.AgentParams, body, error) {
	return decodeParams(w, r, func(p dialtone.AgentParams) dialtone.FieldErrors {
		return s.svc.Agents.Validate(r.Context(), p, update)
	})
}

func (s *Server) getAgent(w http.ResponseWriter, r *http.Request) error {
	a, err := s.svc.Agents.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) listAgents(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Agents.List(r.Context(), principal(r.Context()),
		dialtone.AgentFilter{Name: r.URL.Query().Get("name")}, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) updateAgent(w http.ResponseWriter, r *http.Request) error {
	params, b, err := s.agentParams(w, r, true)
	if err != nil {
		return err
	}
	a, err := s.svc.Agents.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteAgent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Agents.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "agent", Deleted: true})
	return nil
}
