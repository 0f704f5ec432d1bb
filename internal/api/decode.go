package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// body is a decoded request body: where each top-level field appeared, so that errors can be
// listed in the order the client wrote the fields.
type body struct {
	order map[string]int
}

// decodeBody reads r's JSON object body into dst, a pointer to a struct whose fields have json
// tags. Unknown fields, duplicate fields and fields of the wrong type are all reported, together,
// as field errors; a body that is not a JSON object gives invalid_json, a body over 1 MiB
// body_too_large, a body with another Content-Type unsupported_media_type. An empty body is an
// empty object.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) (body, dialtone.FieldErrors, error) {
	raw, err := readBody(w, r)
	if err != nil {
		return body{}, nil, err
	}
	return decodeObject(raw, dst)
}

// decodeParams decodes r's body into a P. When some fields cannot be decoded, it also runs
// validate over the others, so that the error lists every invalid field in body order. The
// returned body orders the field errors of the service call that follows (body.orderFields).
func decodeParams[P any](w http.ResponseWriter, r *http.Request, validate func(P) dialtone.FieldErrors) (P, body, error) {
	var params P
	b, bad, err := decodeBody(w, r, &params)
	if err == nil && len(bad) > 0 {
		err = b.merge(bad, validate(params))
	}
	return params, b, err
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return readJSON(w, r, MaxBodyBytes, dialtone.NewError(dialtone.CodeBodyTooLarge, ""))
}

// readJSON reads r's body of at most limit bytes (else tooLarge): nil for an empty body,
// unsupported_media_type unless it is application/json, invalid_json when it cannot be read.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, tooLarge error) ([]byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, tooLarge
	}
	if err != nil {
		return nil, dialtone.NewError(dialtone.CodeInvalidJSON, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, dialtone.NewError(dialtone.CodeUnsupportedMediaType, "").
			WithDetail("content_type", r.Header.Get("Content-Type"))
	}
	return raw, nil
}

// decodeObject decodes the JSON object raw (nil meaning {}) into dst; see decodeBody.
func decodeObject(raw []byte, dst any) (body, dialtone.FieldErrors, error) {
	b := body{order: map[string]int{}}
	if raw == nil {
		return b, nil, nil
	}
	fields := jsonFields(reflect.ValueOf(dst).Elem())
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return b, nil, syntaxError(err, dec, "The request body must be a JSON object.")
	}
	var fe dialtone.FieldErrors
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return b, nil, syntaxError(err, dec, "")
		}
		name, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return b, nil, syntaxError(err, dec, "")
		}
		if _, dup := b.order[name]; dup {
			fe.Addf(name, dialtone.CodeDuplicateField, "%q appears more than once.", name)
			continue
		}
		b.order[name] = len(b.order)
		f, ok := fields[name]
		if !ok {
			fe.Addf(name, dialtone.CodeUnknownField, "%q is not a field of this request.", name)
			continue
		}
		decodeField(&fe, name, val, f)
	}
	if _, err := dec.Token(); err != nil {
		return b, nil, syntaxError(err, dec, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return b, nil, dialtone.NewError(dialtone.CodeInvalidJSON, "The request body has data after its JSON object.")
	}
	return b, fe, nil
}

// decodeField decodes one field's value, reporting unknown nested fields and type mismatches.
func decodeField(fe *dialtone.FieldErrors, name string, val json.RawMessage, f reflect.Value) {
	dec := json.NewDecoder(bytes.NewReader(val))
	dec.DisallowUnknownFields()
	err := dec.Decode(f.Addr().Interface())
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		field := name
		if te.Field != "" {
			field = name + "." + te.Field
		}
		fe.Addf(field, dialtone.CodeInvalidType, "%s must be %s; got %s.", field, typeName(te.Type), jsonKind(te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		sub := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		fe.Addf(name+"."+sub, dialtone.CodeUnknownField, "%q is not a field of %s.", sub, name)
	default:
		fe.Addf(name, dialtone.CodeInvalidType, "%s could not be decoded: %v", name, err)
	}
}

func syntaxError(err error, dec *json.Decoder, msg string) error {
	e := dialtone.NewError(dialtone.CodeInvalidJSON, msg)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		e.Message = "The request body is not valid JSON: " + se.Error() + "."
		e.WithDetail("offset", se.Offset)
	} else if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		e.Message = "The request body ends before its JSON object does."
		e.WithDetail("offset", dec.InputOffset())
	}
	return e
}

// jsonFields maps the json names of a struct's fields to the fields.
func jsonFields(v reflect.Value) map[string]reflect.Value {
	out := make(map[string]reflect.Value, v.NumField())
	for i := 0; i < v.NumField(); i++ {
		tag := v.Type().Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			out[name] = v.Field(i)
		}
	}
	return out
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// jsonKind names the JSON value kind encoding/json reports in UnmarshalTypeError.Value.
func jsonKind(v string) string {
	switch {
	case strings.HasPrefix(v, "number"):
		return "a number"
	case v == "string":
		return "a string"
	case v == "bool":
		return "a boolean"
	case v == "array" || v == "object":
		return "an " + v
	}
	return v
}

// topField is the top-level field a field error is about: "voicemail" for "voicemail.action",
// "transfer_numbers" for "transfer_numbers[2]".
func topField(field string) string {
	i := strings.IndexAny(field, ".[")
	if i < 0 {
		return field
	}
	return field[:i]
}

// orderFields sorts the field errors of err (if it is a validation error) in the order their
// top-level fields appear in the body, fields absent from the body last, and makes the first
// one the error's code and param. Other errors are returned unchanged.
func (b body) orderFields(err error) error {
	var e *dialtone.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	pos := func(f dialtone.FieldError) int {
		if p, ok := b.order[topField(f.Field)]; ok {
			return p
		}
		return len(b.order)
	}
	fields := slices.Clone(e.Fields)
	slices.SortStableFunc(fields, func(x, y dialtone.FieldError) int { return pos(x) - pos(y) })
	return dialtone.FieldErrors(fields).Err()
}

// merge returns one validation error holding the decoding errors and those validation errors
// that concern other top-level fields, in body order. decoding must not be empty.
func (b body) merge(decoding, validation dialtone.FieldErrors) error {
	bad := make(map[string]bool, len(decoding))
	for _, f := range decoding {
		bad[topField(f.Field)] = true
	}
	all := slices.Clone(decoding)
	for _, f := range validation {
		if !bad[topField(f.Field)] {
			all = append(all, f)
		}
	}
	return b.orderFields(all.Err())
}
