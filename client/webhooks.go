package client

import (
	"net/http"
	"time"

	"github.com/dialtonehq/dialtone/internal/webhook"
)

// DefaultWebhookTolerance is how far a webhook's timestamp may be from now, by default: the
// Standard Webhooks recommendation.
const DefaultWebhookTolerance = 5 * time.Minute

// The reasons VerifyWebhook refuses a request.
var (
	// ErrWebhookHeaders: the webhook-id, webhook-timestamp or webhook-signature header is missing.
	ErrWebhookHeaders = webhook.ErrMissingHeaders
	// ErrWebhookTimestamp: the timestamp is further than the tolerance from now (a replay, or
	// a clock that is wrong).
	ErrWebhookTimestamp = webhook.ErrTimestamp
	// ErrWebhookSignature: no signature matches: another secret, or the body was changed.
	ErrWebhookSignature = webhook.ErrSignature
)

// VerifyWebhook checks that a request Dialtone sent to your webhook endpoint is genuine:
// signed with the endpoint's secret ("whsec_…", shown when the endpoint was created or its
// secret rotated) over exactly body, the raw bytes of the request body, and sent within
// tolerance of now (0 means DefaultWebhookTolerance). It returns nil, or ErrWebhookHeaders,
// ErrWebhookTimestamp or ErrWebhookSignature. During a rotation Dialtone signs with both
// secrets, so either verifies. Read the body before decoding it, and verify before acting:
//
//	body, _ := io.ReadAll(r.Body)
//	if err := client.VerifyWebhook(secret, r.Header, body, 0); err != nil {
//		http.Error(w, "bad signature", http.StatusUnauthorized)
//		return
//	}
func VerifyWebhook(secret string, headers http.Header, body []byte, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	return webhook.Check(headers, webhook.Key(secret), body, time.Now(), tolerance)
}
