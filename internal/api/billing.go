package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone/internal/core"
)

func (s *Server) getBalance(w http.ResponseWriter, r *http.Request) error {
	b, err := s.svc.Billing.Balance(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}

func (s *Server) listLedger(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Billing.Ledger(r.Context(), principal(r.Context()), lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) createCredit(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, core.ValidateCredit)
	if err != nil {
		return err
	}
	e, err := s.svc.Billing.Credit(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}
