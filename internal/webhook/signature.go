// Package webhook signs what Dialtone sends to its users' servers, following the Standard
// Webhooks scheme: headers webhook-id, webhook-timestamp and webhook-signature, the signature
// being "v1," and the base64 HMAC-SHA256 of "id.timestamp.body".
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed request.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Key is the HMAC key of a secret: a Standard Webhooks secret "whsec_<base64>" is its decoded
// bytes; any other secret is used as it is.
func Key(secret string) []byte {
	if b64, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(b64); err == nil && len(key) > 0 {
			return key
		}
	}
	return []byte(secret)
}

// Signature returns the webhook-signature value of a message: "v1," and the base64 of
// HMAC-SHA256(key, id + "." + unix seconds + "." + body).
func Signature(key []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign sets the three signature headers of a message with id, sent at ts, on h.
func Sign(h http.Header, key []byte, id string, ts time.Time, body []byte) {
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Signature(key, id, ts, body))
}

// The reasons Check refuses a message.
var (
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrTimestamp      = errors.New("webhook: timestamp outside the tolerance (a stale or replayed message, or a wrong clock)")
	ErrSignature      = errors.New("webhook: no signature matches (wrong secret, or the body was changed)")
)

// Check returns nil when h carries a valid signature of body under key, sent within
// tolerance of now; otherwise ErrMissingHeaders, ErrTimestamp or ErrSignature. A header may
// list several space-separated signatures (during a secret's rotation); one match is enough.
func Check(h http.Header, key []byte, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeaders
	}
	secs, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return ErrTimestamp
	}
	ts := time.Unix(secs, 0)
	if ts.Before(now.Add(-tolerance)) || ts.After(now.Add(tolerance)) {
		return ErrTimestamp
	}
	want := Signature(key, id, ts, body)
	for _, sig := range strings.Fields(sigs) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return ErrSignature
}

// Verify reports whether Check accepts the message.
func Verify(h http.Header, key []byte, body []byte, now time.Time, tolerance time.Duration) bool {
	return Check(h, key, body, now, tolerance) == nil
}
