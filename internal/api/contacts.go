package api

import (
	"net/http"

	"github.com/dialtonehq/dialtone"
)

func (s *Server) createContact(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Contacts.ValidateCreate)
	if err != nil {
		return err
	}
	c, err := s.svc.Contacts.Create(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	w.Header().Set("Location", "/v1/contacts/"+c.ID)
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Contacts.Get(r.Context(), principal(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) error {
	lp, err := listParams(r)
	if err != nil {
		return err
	}
	list, err := s.svc.Contacts.List(r.Context(), principal(r.Context()),
		dialtone.ContactFilter{Search: r.URL.Query().Get("search")}, lp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.Contacts.ValidateUpdate)
	if err != nil {
		return err
	}
	c, err := s.svc.Contacts.Update(r.Context(), principal(r.Context()), r.PathValue("id"), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.svc.Contacts.Delete(r.Context(), principal(r.Context()), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, dialtone.Deleted{ID: id, Object: "contact", Deleted: true})
	return nil
}

// importContacts reads the CSV file in the multipart form field "file" and imports it.
func (s *Server) importContacts(w http.ResponseWriter, r *http.Request) error {
	data, err := contactUpload.uploadedFile(w, r, "file")
	if err != nil {
		return err
	}
	rep, err := s.svc.Contacts.Import(r.Context(), principal(r.Context()), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
