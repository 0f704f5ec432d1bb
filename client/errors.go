package client

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dialtonehq/dialtone"
)

// Error is a non-2xx answer of the server. Its fields come from the error envelope
// {"error":{"type","code","message","param","details","doc_url","request_id"}} that Dialtone
// renders for every failure. When the body is not that envelope (a proxy's HTML page, say),
// StatusCode is still set, Code and Type are empty and Message is the status text.
type Error struct {
	StatusCode int                   // the HTTP status
	Type       dialtone.ErrorType    // broad category, e.g. "invalid_request"
	Code       dialtone.Code         // stable code to branch on, e.g. "agent_not_found"
	Param      string                // the offending field or parameter, if any
	Message    string                // human-readable, safe to show; may be reworded over time
	DocURL     string                // the server's documentation of Code
	RequestID  string                // identifies the request in the server's log
	Details    map[string]any        // structured context, as sent (including "fields")
	Fields     []dialtone.FieldError // every invalid field of a validation error, from details.fields
}

// Error returns the code, message, parameter and request id, e.g.
// "dialtone: 404 agent_not_found: No such agent. (request_id req_…)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dialtone: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" " + string(e.Code))
	}
	b.WriteString(": " + e.Message)
	var extra []string
	if e.Param != "" {
		extra = append(extra, "param "+e.Param)
	}
	if e.RequestID != "" {
		extra = append(extra, "request_id "+e.RequestID)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// IsCode reports whether err is, or wraps, an *Error with the given code.
func IsCode(err error, code dialtone.Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// envelope is the server's error body.
type envelope struct {
	Error *struct {
		Type      dialtone.ErrorType `json:"type"`
		Code      dialtone.Code      `json:"code"`
		Message   string             `json:"message"`
		Param     string             `json:"param"`
		Details   json.RawMessage    `json:"details"`
		DocURL    string             `json:"doc_url"`
		RequestID string             `json:"request_id"`
	} `json:"error"`
}

// parseError turns a non-2xx response into *Error, whatever its body.
func parseError(resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	var env envelope
	if json.Unmarshal(body, &env) != nil || env.Error == nil || env.Error.Code == "" {
		e.Message = http.StatusText(resp.StatusCode)
		if e.Message == "" {
			e.Message = "HTTP " + strconv.Itoa(resp.StatusCode)
		}
		return e
	}
	o := env.Error
	e.Type, e.Code, e.Message, e.Param, e.DocURL = o.Type, o.Code, o.Message, o.Param, o.DocURL
	if o.RequestID != "" {
		e.RequestID = o.RequestID
	}
	if len(o.Details) > 0 {
		_ = json.Unmarshal(o.Details, &e.Details)
		var d struct {
			Fields []dialtone.FieldError `json:"fields"`
		}
		if json.Unmarshal(o.Details, &d) == nil {
			e.Fields = d.Fields
		}
	}
	return e
}
