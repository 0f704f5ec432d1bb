package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone/internal/core"
)

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) error {
	org, err := s.svc.Organizations.Get(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, org)
	return nil
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	params, b, err := decodeParams(w, r, core.ValidateOrganizationParams)
	if err != nil {
		return err
	}
	org, err := s.svc.Organizations.Create(r.Context(), p, params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusCreated, org)
	return nil
}
