package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/webhook"
)

func TestSignAndVerify(t *testing.T) {
	key := webhook.Key("whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	if string(key) != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("key %q", key)
	}
	if string(webhook.Key("plain-secret")) != "plain-secret" || string(webhook.Key("whsec_***")) != "whsec_***" {
		t.Fatal("non-base64 secrets must be used as they are")
	}
	ts := time.Unix(1763900000, 0)
	body := []byte(`{"type":"turn"}`)
	h := http.Header{}
	webhook.Sign(h, key, "msg_1", ts, body)

	// The signature is the documented HMAC, computed independently here.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_1.1763900000." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Get("webhook-signature") != want || h.Get("webhook-timestamp") != "1763900000" {
		t.Fatalf("headers %v, want signature %s", h, want)
	}
	if !webhook.Verify(h, key, body, ts.Add(time.Minute), 5*time.Minute) {
		t.Fatal("valid signature refused")
	}
	for name, check := range map[string]func() bool{
		"other body":  func() bool { return webhook.Verify(h, key, []byte("{}"), ts, time.Minute) },
		"other key":   func() bool { return webhook.Verify(h, []byte("other"), body, ts, time.Minute) },
		"too old":     func() bool { return webhook.Verify(h, key, body, ts.Add(10*time.Minute), 5*time.Minute) },
		"from future": func() bool { return webhook.Verify(h, key, body, ts.Add(-10*time.Minute), 5*time.Minute) },
		"bad timestamp": func() bool {
			h2 := h.Clone()
			h2.Set("webhook-timestamp", "x")
			return webhook.Verify(h2, key, body, ts, time.Minute)
		},
	} {
		if check() {
			t.Errorf("%s: accepted", name)
		}
	}
	h2 := h.Clone()
	h2.Set("webhook-signature", "v1,AAAA "+h.Get("webhook-signature"))
	if !webhook.Verify(h2, key, body, ts, time.Minute) {
		t.Fatal("one matching signature among several refused")
	}
}

func TestCheckSaysWhy(t *testing.T) {
	key := webhook.Key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"a":1}`)
	signed := func() http.Header {
		h := http.Header{}
		webhook.Sign(h, key, "msg_1", now, body)
		return h
	}
	if err := webhook.Check(signed(), key, body, now, time.Minute); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	noID := signed()
	noID.Del(webhook.HeaderID)
	badTS := signed()
	badTS.Set(webhook.HeaderTimestamp, "soon")
	for _, c := range []struct {
		name string
		h    http.Header
		body []byte
		now  time.Time
		want error
	}{
		{"missing id", noID, body, now, webhook.ErrMissingHeaders},
		{"unreadable timestamp", badTS, body, now, webhook.ErrTimestamp},
		{"stale", signed(), body, now.Add(2 * time.Minute), webhook.ErrTimestamp},
		{"from the future", signed(), body, now.Add(-2 * time.Minute), webhook.ErrTimestamp},
		{"tampered", signed(), []byte(`{"a":2}`), now, webhook.ErrSignature},
	} {
		if err := webhook.Check(c.h, key, c.body, c.now, time.Minute); err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
