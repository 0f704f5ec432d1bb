package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
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
	var params dialtone.OrganizationParams
	b, bad, err := decodeBody(w, r, &params)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		var more dialtone.FieldErrors
		if e := dialtone.AsError(core.ValidateOrganizationParams(params)); e != nil {
			more = e.Fields
		}
		return b.merge(bad, more)
	}
	org, err := s.svc.Organizations.Create(r.Context(), p, params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusCreated, org)
	return nil
}
