package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) createPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.PhoneNumbers.ValidateCreate)
	if err != nil {
		return err
	}
	n, err := s.svc.PhoneNumbers.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/phone-numbers/"+n.ID)
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) importPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.PhoneNumbers.ValidateImport)
	if err != nil {
		return err
	}
	n, err := s.svc.PhoneNumbers.Import(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/phone-numbers/"+n.ID)
	writeJSON(w, http.StatusCreated, n)
	return nil
}

func (s *Server) listPhoneNumbers(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.PhoneNumbers.List(r.Context(), principal(r.Context()),
		dialtone.PhoneNumberFilter{AgentID: r.URL.Query().Get("agent_id")}, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) getPhoneNumber(w http.ResponseWriter, r *http.Request) error {
	n, err := s.svc.PhoneNumbers.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) updatePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.PhoneNumbers.ValidateUpdate)
	if err != nil {
		return err
	}
	n, err := s.svc.PhoneNumbers.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) releasePhoneNumber(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.PhoneNumbers.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "phone_number", Deleted: true})
	return nil
}
