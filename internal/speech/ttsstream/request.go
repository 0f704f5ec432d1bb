package ttsstream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dialtonehq/dialtone/internal/speech"
)

// charsPerSecond is the speaking rate Start assumes while the length of the audio is not yet
// known: about 150 words a minute at six characters a word (the word and the space after it),
// the usual pace of conversational synthetic voices.
const charsPerSecond = 15.0

// Request is one text-to-speech request to a provider's streaming HTTP API: a JSON POST whose
// successful (200) response body is the audio.
type Request struct {
	Provider string       // the provider package, e.g. "elevenlabs": it prefixes errors
	Client   *http.Client // sends the request
	URL      string
	Header   http.Header // added to the request; it carries the key
	// Key is the secret in Header, removed from every error.
	Key string
	// Body is marshalled to JSON as the request's body.
	Body any
	// ParseError reads the provider's error body of a refusal.
	ParseError ErrorParser
}

// Start speaks text with r: it sends r and returns once the server has answered with its
// status and headers; the audio, decoded by dec, then streams into the Utterance (see New),
// whose HeardText assumes about 15 characters a second until the audio's length is known.
// Text that is empty or only white space gives Empty and sends nothing. An error means
// nothing will be spoken: ctx ending first (ctx's error), a request that could not be sent or
// got no answer, or a refusal (an *APIError). No error contains r.Key.
func Start(ctx context.Context, r Request, dec Decoder, text string) (speech.Utterance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return Empty{}, nil
	}
	body, err := json.Marshal(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Provider, err)
	}
	rctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %s", r.Provider, Redact(err.Error(), r.Key))
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		cancel()
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("%s: %s", r.Provider, Redact(err.Error(), r.Key))
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		return nil, ReadError(resp, r.Key, r.Provider, r.ParseError)
	}
	return New(ctx, cancel, resp.Body, dec, speech.NewTimeline(text, charsPerSecond), r.Provider), nil
}

// At returns r completed with the URL root + path, where root is base (def when empty), and
// with http.DefaultClient when r.Client is nil. It fails unless base is an absolute http or
// https URL with a host, and when r.Key holds a line break.
func (r Request) At(base, def, path string) (Request, error) {
	if base == "" {
		base = def
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Request{}, fmt.Errorf("%s: base URL %q is not an http(s) URL", r.Provider, base)
	}
	if strings.ContainsAny(r.Key, "\r\n") {
		return Request{}, fmt.Errorf("%s: API key contains a line break", r.Provider)
	}
	if r.Client == nil {
		r.Client = http.DefaultClient
	}
	r.URL = strings.TrimRight(base, "/") + path
	return r, nil
}
