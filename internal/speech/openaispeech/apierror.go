package openaispeech

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/dialtonehq/dialtone/internal/speech/ttsstream"
)

// APIError is a request the server refused: its status, its error code (OpenAI's error.code,
// or error.type when there is none) and its message. It never contains the API key.
type APIError = ttsstream.APIError

// parseError reads OpenAI's error body, {"error": {"message", "type", "code"}}. The code is
// error.code (e.g. "invalid_api_key"), or error.type (e.g. "server_error") when there is none.
func parseError(raw []byte) (code, message string, ok bool) {
	var body struct {
		Error *struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil || body.Error == nil {
		return "", "", false
	}
	code = body.Error.Type
	if body.Error.Code != nil {
		code = fmt.Sprint(body.Error.Code)
	}
	return code, body.Error.Message, true
}

// readAPIError reads a refusal's body into an *APIError, with key removed.
func readAPIError(resp *http.Response, key string) error {
	return ttsstream.ReadError(resp, key, "openaispeech", parseError)
}

// redact removes key from s.
func redact(s, key string) string { return ttsstream.Redact(s, key) }

// excerpt returns the start of a body as one line, for an error.
func excerpt(raw []byte) string { return ttsstream.Excerpt(string(raw)) }
