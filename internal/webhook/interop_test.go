package webhook_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dialtonehq/dialtone/internal/webhook"
)

// standardWebhooks verifies a message with the standardwebhooks npm package, an independent
// implementation of the scheme, and returns its verdict. Without Node or the package the test
// skips (CI installs the package: see .ci/run), with CI set it fails.
func standardWebhooks(t *testing.T, secret string, h http.Header, body []byte) (bool, string) {
	t.Helper()
	dir := filepath.Join("testdata", "node")
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "standardwebhooks")); err != nil {
		skipOrFail(t, "the standardwebhooks package is not installed: run npm ci --prefix internal/webhook/testdata/node")
	}
	in, _ := json.Marshal(map[string]any{"secret": secret, "body": string(body), "headers": map[string]string{
		webhook.HeaderID: h.Get(webhook.HeaderID), webhook.HeaderTimestamp: h.Get(webhook.HeaderTimestamp),
		webhook.HeaderSignature: h.Get(webhook.HeaderSignature)}})
	cmd := exec.CommandContext(t.Context(), "node", "verify.js")
	cmd.Dir, cmd.Stdin = dir, bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node verify.js: %v: %s", err, out)
	}
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node said %q: %v", out, err)
	}
	return res.OK, res.Error
}

// pythonVerify runs the Python verification of docs/webhooks.md on a message.
func pythonVerify(t *testing.T, secret string, h http.Header, body []byte) bool {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		skipOrFail(t, "python3 is not installed")
	}
	in, _ := json.Marshal(map[string]any{"secret": secret, "body": string(body), "headers": map[string]string{
		webhook.HeaderID: h.Get(webhook.HeaderID), webhook.HeaderTimestamp: h.Get(webhook.HeaderTimestamp),
		webhook.HeaderSignature: h.Get(webhook.HeaderSignature)}})
	cmd := exec.CommandContext(t.Context(), "python3", filepath.Join("testdata", "python", "verify.py"))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 verify.py: %v: %s", err, out)
	}
	return string(bytes.TrimSpace(out)) == "true"
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// TestStandardWebhooksVerifiesOurSignatures: the standardwebhooks package accepts what Sign
// produces, and refuses it with the body tampered with or a stale timestamp.
func TestStandardWebhooksVerifiesOurSignatures(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"id":"evt_1","object":"event","type":"call.ended","data":{"object":{"id":"call_1","status":"completed","transcript":[{"speaker":"agent","text":"Au revoir, à bientôt !"}]}}}`)
	sign := func(ts time.Time) http.Header {
		h := http.Header{}
		webhook.Sign(h, webhook.Key(secret), "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", ts, body)
		return h
	}
	if ok, why := standardWebhooks(t, secret, sign(time.Now()), body); !ok {
		t.Fatalf("standardwebhooks refused our signature: %s", why)
	}
	tampered := bytes.Replace(body, []byte("completed"), []byte("failed"), 1)
	if ok, _ := standardWebhooks(t, secret, sign(time.Now()), tampered); ok {
		t.Error("standardwebhooks accepted a tampered body")
	}
	if ok, _ := standardWebhooks(t, secret, sign(time.Now().Add(-10*time.Minute)), body); ok {
		t.Error("standardwebhooks accepted a ten-minute-old timestamp")
	}
	if ok, _ := standardWebhooks(t, "whsec_"+"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", sign(time.Now()), body); ok {
		t.Error("standardwebhooks accepted another secret's signature")
	}
}

// TestDocumentedPythonVerification: the Python snippet of docs/webhooks.md accepts our
// signatures (also with two during a rotation) and refuses tampered or stale ones.
func TestDocumentedPythonVerification(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"id":"evt_1","type":"call.ended","data":{"object":{"text":"Grüß Gott"}}}`)
	h := http.Header{}
	webhook.Sign(h, webhook.Key(secret), "evt_1", time.Now(), body)
	if !pythonVerify(t, secret, h, body) {
		t.Fatal("the documented Python refused our signature")
	}
	rotating := h.Clone()
	rotating.Set(webhook.HeaderSignature, "v1,b3RoZXIgc2VjcmV0J3Mgc2lnbmF0dXJl "+h.Get(webhook.HeaderSignature))
	if !pythonVerify(t, secret, rotating, body) {
		t.Error("the documented Python refused a rotation's two signatures")
	}
	if pythonVerify(t, secret, h, append(body, ' ')) {
		t.Error("the documented Python accepted a changed body")
	}
	stale := http.Header{}
	webhook.Sign(stale, webhook.Key(secret), "evt_1", time.Now().Add(-10*time.Minute), body)
	if pythonVerify(t, secret, stale, body) {
		t.Error("the documented Python accepted a stale timestamp")
	}
}
