package dialtone

import (
	"errors"
	"fmt"
)

// Error is the one error type every layer of Dialtone returns when a client can do something
// about the failure. Its Code names an entry of the catalogue (see Catalogue), which fixes the
// type, the HTTP status, the default message and the documentation; an Error whose Code is not
// catalogued is rendered as internal_error.
//
// Cause is for the log only: it is never shown to a client.
type Error struct {
	Code    Code
	Message string         // overrides the catalogue's default message when not empty
	Param   string         // the offending field or parameter, dotted for nested fields
	Details map[string]any // structured context, rendered as the error's "details"
	Fields  []FieldError   // every invalid field of a request, in the order they were found
	Cause   error          // the underlying failure, logged with the request id, never rendered
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// NewError returns an Error with the given code and, if message is not empty, that message in
// place of the catalogue's default.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure as internal_error; cause is kept for the log.
func Internal(cause error) *Error {
	return &Error{Code: CodeInternalError, Cause: cause}
}

// Error implements error. It includes the cause, so it is meant for logs, not for clients.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Code.Entry().Message
	}
	s := string(e.Code) + ": " + msg
	if e.Param != "" {
		s += " (param " + e.Param + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// WithParam returns e after setting its Param.
func (e *Error) WithParam(param string) *Error {
	e.Param = param
	return e
}

// WithDetail returns e after setting one entry of its Details.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// Entry returns the catalogue entry of e's code; an uncatalogued code yields internal_error's.
func (e *Error) Entry() CatalogEntry { return e.Code.Entry() }

// AsError returns err as an *Error: itself when it is (or wraps) one, internal_error wrapping it
// otherwise. A nil err returns nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// HasCode reports whether err is (or wraps) an *Error with the given code.
func HasCode(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// FieldErrors collects the invalid fields of one request, in the order they are found.
type FieldErrors []FieldError

// Add records an invalid field; an empty message means the catalogue's default.
func (fe *FieldErrors) Add(field string, code Code, message string) {
	if message == "" {
		message = code.Entry().Message
	}
	*fe = append(*fe, FieldError{Field: field, Code: code, Message: message})
}

// Addf records an invalid field with a formatted message.
func (fe *FieldErrors) Addf(field string, code Code, format string, args ...any) {
	fe.Add(field, code, fmt.Sprintf(format, args...))
}

// Has reports whether field already has an error.
func (fe FieldErrors) Has(field string) bool {
	for _, f := range fe {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when no field is invalid; otherwise a validation *Error whose Code, Param and
// Message are those of the first invalid field and whose Fields lists every one.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	first := fe[0]
	return &Error{Code: first.Code, Message: first.Message, Param: first.Field, Fields: fe}
}
