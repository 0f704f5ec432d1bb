package client_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/client"
	"github.com/dialtonehq/dialtone/internal/webhook"
)

func TestVerifyWebhook(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"id":"evt_1","object":"event","type":"call.ended"}`)
	signed := func(ts time.Time) http.Header {
		h := http.Header{}
		webhook.Sign(h, webhook.Key(secret), "evt_1", ts, body)
		return h
	}
	if err := client.VerifyWebhook(secret, signed(time.Now()), body, 0); err != nil {
		t.Fatalf("genuine webhook: %v", err)
	}
	for _, c := range []struct {
		name   string
		secret string
		h      http.Header
		body   []byte
		tol    time.Duration
		want   error
	}{
		{"no headers", secret, http.Header{}, body, 0, client.ErrWebhookHeaders},
		{"six minutes old", secret, signed(time.Now().Add(-6 * time.Minute)), body, 0, client.ErrWebhookTimestamp},
		{"old for a tight tolerance", secret, signed(time.Now().Add(-time.Minute)), body, 30 * time.Second, client.ErrWebhookTimestamp},
		{"other secret", "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", signed(time.Now()), body, 0, client.ErrWebhookSignature},
		{"changed body", secret, signed(time.Now()), []byte(`{"id":"evt_2"}`), 0, client.ErrWebhookSignature},
	} {
		if err := client.VerifyWebhook(c.secret, c.h, c.body, c.tol); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
