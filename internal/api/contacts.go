package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// maxUploadBytes is the largest request body of an upload route (Route.Upload): the largest
// CSV file of a contact import and room for the multipart framing around it.
const maxUploadBytes = dialtone.MaxContactImportBytes + 64<<10

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
	data, err := uploadedFile(w, r, "file", dialtone.MaxContactImportBytes)
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

// uploadedFile returns the content of the multipart/form-data field named field of r's body:
// unsupported_media_type for another body, field_required (param field) when the form has no
// such field, import_too_large when the body or the file is larger than limit allows. Other
// fields are ignored.
func uploadedFile(w http.ResponseWriter, r *http.Request, field string, limit int64) ([]byte, error) {
	tooLarge := dialtone.Errorf(dialtone.CodeImportTooLarge, "The file is larger than %d MiB; split it and import the parts one after another.", limit>>20).
		WithDetail("limit_rows", dialtone.MaxContactImportRows).WithDetail("limit_bytes", limit)
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return nil, dialtone.NewError(dialtone.CodeUnsupportedMediaType,
			"This endpoint takes a file upload: send Content-Type: multipart/form-data with the file in the field \""+field+"\".").
			WithDetail("content_type", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, dialtone.NewError(dialtone.CodeUnsupportedMediaType, "The multipart/form-data body has no boundary.").
			WithDetail("content_type", r.Header.Get("Content-Type"))
	}
	for {
		part, err := mr.NextPart()
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			var fe dialtone.FieldErrors
			fe.Addf(field, dialtone.CodeFieldRequired, "The form has no field %q: send the CSV file in it.", field)
			return nil, fe.Err()
		case errors.As(err, &tooBig):
			return nil, tooLarge
		case err != nil:
			return nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The multipart/form-data body is malformed: "+err.Error()+".")
		}
		if part.FormName() != field {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		switch {
		case errors.As(err, &tooBig):
			return nil, tooLarge
		case err != nil:
			return nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The multipart/form-data body is malformed: "+err.Error()+".")
		case int64(len(data)) > limit:
			return nil, tooLarge
		}
		return data, nil
	}
}
