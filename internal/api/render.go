package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/dialtonehq/dialtone"
)

// errorBody is the one shape of every non-2xx response.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Type      dialtone.ErrorType `json:"type"`
	Code      dialtone.Code      `json:"code"`
	Message   string             `json:"message"`
	Param     string             `json:"param,omitempty"`
	Details   map[string]any     `json:"details,omitempty"`
	DocURL    string             `json:"doc_url"`
	RequestID string             `json:"request_id"`
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own types reach here; failing to encode them is a bug.
		panic(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// renderError writes err as the error envelope. Uncatalogued errors, and internal_error itself,
// are logged with their cause and rendered with the generic message only.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	e := dialtone.AsError(err)
	entry := e.Entry()
	if !e.Code.Catalogued() || entry.Code == dialtone.CodeInternalError {
		s.log.ErrorContext(r.Context(), "internal error", "request_id", requestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "error", err.Error())
		e = &dialtone.Error{Code: dialtone.CodeInternalError}
	}
	msg := e.Message
	if msg == "" {
		msg = entry.Message
	}
	details := e.Details
	if len(e.Fields) > 0 {
		details = make(map[string]any, len(e.Details)+1)
		for k, v := range e.Details {
			details[k] = v
		}
		details["fields"] = e.Fields
	}
	if entry.Type == dialtone.TypeServiceUnavailable || entry.Type == dialtone.TypeRateLimit || entry.Code == dialtone.CodeIdempotencyKeyInUse {
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "1")
		}
	}
	writeJSON(w, entry.Status, errorBody{Error: errorObject{
		Type: entry.Type, Code: entry.Code, Message: msg, Param: e.Param, Details: details,
		DocURL: s.docURL(entry.Code), RequestID: requestID(r.Context()),
	}})
}

// docURL is the address of code's entry on this server's error page.
func (s *Server) docURL(code dialtone.Code) string {
	return s.opts.PublicURL + "/docs/errors#" + string(code)
}
