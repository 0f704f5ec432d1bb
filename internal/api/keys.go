package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, core.ValidateKeyParams)
	if err != nil {
		return err
	}
	k, err := s.svc.Keys.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Keys.List(r.Context(), principal(r.Context()), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Keys.Revoke(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "api_key", Deleted: true})
	return nil
}

func (s *Server) rotateKey(w http.ResponseWriter, r *http.Request) error {
	if _, bad, err := decodeBody(w, r, &struct{}{}); err != nil || len(bad) > 0 {
		return firstErr(err, bad)
	}
	k, err := s.svc.Keys.Rotate(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

// firstErr returns err, or else the validation error of bad.
func firstErr(err error, bad dialtone.FieldErrors) error {
	if err != nil {
		return err
	}
	return bad.Err()
}
