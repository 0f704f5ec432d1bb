package ttsstream

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxErrorBody is how much of an error response is read.
const maxErrorBody = 64 << 10

// maxExcerpt is how many bytes of a provider's message an APIError keeps.
const maxExcerpt = 300

// APIError is a request a text-to-speech provider refused: its HTTP status and what its error
// body says. No field ever contains the API key.
type APIError struct {
	Provider   string // the provider package, e.g. "openaispeech"; it prefixes Error()
	StatusCode int
	// Code is the provider's machine-readable reason, e.g. "invalid_api_key"; may be empty.
	Code string
	// Message is the provider's message, or the start of a body it could not parse, on one
	// line and at most about 300 bytes.
	Message string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: HTTP %d", e.Provider, e.StatusCode)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// ErrorParser reads a provider's JSON error body. It reports ok false for a body that is not
// in the provider's shape; then the APIError quotes the start of the body instead.
type ErrorParser func(body []byte) (code, message string, ok bool)

// ReadError reads the body of resp, a refusal, into an *APIError of provider, its code and
// message found by parse. key is removed from the body before parse sees it and from the
// result: a server that echoes the key back does not put it in the error.
func ReadError(resp *http.Response, key, provider string, parse ErrorParser) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	raw = []byte(Redact(string(raw), key)) // before anything can cut the key in two
	e := &APIError{Provider: provider, StatusCode: resp.StatusCode}
	code, msg, ok := parse(raw)
	if !ok {
		code, msg = "", string(raw)
	}
	// Parsing may have unescaped a key that the body spelled in JSON escapes.
	e.Code, e.Message = Redact(code, key), Redact(Excerpt(msg), key)
	return e
}

// Excerpt returns the start of s, at most about 300 bytes, as one line of valid UTF-8: for
// quoting a provider's answer in an error.
func Excerpt(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if len(s) > maxExcerpt {
		s = strings.ToValidUTF8(s[:maxExcerpt], "") + " …"
	}
	return s
}

// Redact returns s with every occurrence of key replaced by "[redacted]" (s itself when key is
// empty).
func Redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}
