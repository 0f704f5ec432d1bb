package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

// replayedHeaders are the response headers stored with an idempotent response and replayed.
var replayedHeaders = []string{"Content-Type", "Location"}

// withIdempotency runs a POST that carries an Idempotency-Key at most once per key: the first
// request runs and its response is stored; a later one with the same method, path and body gets
// that response again (with Idempotent-Replayed: true); one with a different request gets
// idempotency_key_reused; one arriving while the first is in flight waits for it, then gets its
// response or idempotency_key_in_use. Responses a retry could change (429 and 5xx) are not
// stored: the key is released instead. Secrets are never stored: for routes whose answer carries
// one, the replay is the first answer without its secret and credential fields.
func (s *Server) withIdempotency(w http.ResponseWriter, r *http.Request, rt route) error {
	key := r.Header.Get("Idempotency-Key")
	if !validIdempotencyKey(key) {
		return dialtone.NewError(dialtone.CodeInvalidIdempotencyKey, "").WithParam("Idempotency-Key")
	}
	read := readBody
	if rt.Upload != "" {
		read = rt.limits.readUpload
	}
	raw, err := read(w, r)
	if err != nil {
		return err
	}
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(raw)
	fingerprint := hex.EncodeToString(h.Sum(nil))

	org := principal(r.Context()).OrganizationID
	prior, err := s.svc.Idempotency.Begin(r.Context(), org, key, fingerprint)
	if err != nil {
		return err
	}
	if prior != nil {
		for k, v := range prior.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prior.Status)
		_, _ = w.Write(prior.Body)
		return nil
	}

	// The claim must be settled whatever happens to this request, even a client hanging up.
	ctx := context.WithoutCancel(r.Context())
	settled := false
	defer func() {
		if !settled {
			_ = s.svc.Idempotency.Release(ctx, org, key)
		}
	}()
	r.Body = io.NopCloser(bytes.NewReader(raw))
	buf := newBufferWriter()
	if err := rt.handle(buf, r); err != nil {
		s.renderError(buf, r, err)
	}
	if buf.status < 500 && buf.status != http.StatusTooManyRequests {
		rec := core.IdempotencyRecord{OrganizationID: org, Key: key, Fingerprint: fingerprint,
			Status: buf.status, Header: http.Header{}, Body: buf.body.Bytes()}
		if rt.Secret {
			rec.Body = withoutSecrets(rec.Body)
		}
		for _, k := range replayedHeaders {
			if v := buf.header.Get(k); v != "" {
				rec.Header.Set(k, v)
			}
		}
		if err := s.svc.Idempotency.Complete(ctx, rec); err != nil {
			return dialtone.Internal(err)
		}
		settled = true
	}
	buf.flush(w)
	return nil
}

// validIdempotencyKey reports whether k is 1 to 255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// withoutSecrets returns a JSON body with every "secret" and "credential" member removed, at any
// depth. A body that is not JSON is replaced by an empty object rather than stored.
func withoutSecrets(body []byte) []byte {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []byte("{}\n")
	}
	var strip func(any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "secret")
			delete(x, "credential")
			for _, m := range x {
				strip(m)
			}
		case []any:
			for _, m := range x {
				strip(m)
			}
		}
	}
	strip(v)
	out, err := json.Marshal(v)
	if err != nil {
		return []byte("{}\n")
	}
	return append(out, '\n')
}
