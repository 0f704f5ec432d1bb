package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// uploadLimits are the sizes of an upload route (Route.Upload): its file in bytes and rows.
type uploadLimits struct {
	bytes int64
	rows  int
}

// The upload routes' limits.
var (
	contactUpload = uploadLimits{bytes: dialtone.MaxContactImportBytes, rows: dialtone.MaxContactImportRows}
	leadUpload    = uploadLimits{bytes: dialtone.MaxLeadImportBytes, rows: dialtone.MaxLeadImportRows}
)

// body is the largest request body of an upload: the file and room for the multipart framing
// around it.
func (l uploadLimits) body() int64 { return l.bytes + 64<<10 }

// tooLarge is the error of an upload whose file or body is too large.
func (l uploadLimits) tooLarge() error {
	return dialtone.Errorf(dialtone.CodeImportTooLarge,
		"The file is larger than %d MiB; split it and upload the parts one after another.", l.bytes>>20).
		WithDetail("limit_rows", l.rows).WithDetail("limit_bytes", l.bytes)
}

// readUpload reads the whole body of an upload route, as the idempotency middleware needs it
// for its fingerprint: tooLarge beyond the route's body limit, the same answer the handler
// gives without an Idempotency-Key. The handler judges the content.
func (l uploadLimits) readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, l.body()))
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		return nil, l.tooLarge()
	}
	if err != nil {
		return nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The request body could not be read.")
	}
	return raw, nil
}

// uploadedFile returns the content of the multipart/form-data field named field of r's body:
// unsupported_media_type for another body, field_required (param field) when the form has no
// such field, tooLarge when the body or the file is too large. Other fields are ignored.
func (l uploadLimits) uploadedFile(w http.ResponseWriter, r *http.Request, field string) ([]byte, error) {
	limit := l.bytes
	tooLarge := l.tooLarge()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		return nil, dialtone.NewError(dialtone.CodeUnsupportedMediaType,
			"This endpoint takes a file upload: send Content-Type: multipart/form-data with the file in the field \""+field+"\".").
			WithDetail("content_type", r.Header.Get("Content-Type"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, l.body())
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
