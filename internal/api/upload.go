package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/dialtonehq/dialtone"
)

// Sizes of upload routes (Route.Upload): the file, and the request body, which has room for
// the multipart framing around the file.
const (
	maxUploadFileBytes = dialtone.MaxContactImportBytes
	maxUploadBytes     = maxUploadFileBytes + 64<<10
)

// uploadTooLarge is the error of an upload whose file or body is too large.
func uploadTooLarge() error {
	return dialtone.Errorf(dialtone.CodeImportTooLarge,
		"The file is larger than %d MiB; split it and import the parts one after another.", maxUploadFileBytes>>20).
		WithDetail("limit_rows", dialtone.MaxContactImportRows).WithDetail("limit_bytes", maxUploadFileBytes)
}

// readUpload reads the whole body of an upload route, as the idempotency middleware needs it
// for its fingerprint: uploadTooLarge beyond maxUploadBytes, the same answer the handler gives
// without an Idempotency-Key. The handler judges the content.
func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUploadBytes))
	if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
		return nil, uploadTooLarge()
	}
	if err != nil {
		return nil, dialtone.NewError(dialtone.CodeInvalidCSV, "The request body could not be read.")
	}
	return raw, nil
}

// uploadedFile returns the content of the multipart/form-data field named field of r's body:
// unsupported_media_type for another body, field_required (param field) when the form has no
// such field, uploadTooLarge when the body or the file is too large. Other fields are ignored.
func uploadedFile(w http.ResponseWriter, r *http.Request, field string) ([]byte, error) {
	const limit = maxUploadFileBytes
	tooLarge := uploadTooLarge()
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
