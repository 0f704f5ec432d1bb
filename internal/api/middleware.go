package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/dialtonehq/dialtone"
	"github.com/dialtonehq/dialtone/internal/core"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
)

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// principal returns the authenticated caller; only routes that are not Public have one.
func principal(ctx context.Context) dialtone.Principal {
	p, _ := ctx.Value(keyPrincipal).(dialtone.Principal)
	return p
}

// statusWriter remembers the status and size of a response, for the access log and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int
	keyID  string // the authenticated key, for the access log
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (to flush a stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += n
	return n, err
}

// wrap gives a route its middleware: request id, access log, metrics and panic recovery for
// every request; then authentication, authorization, rate limiting, idempotency and ETags as the
// route calls for (see serve).
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := dialtone.NewID(dialtone.PrefixRequest)
		r = r.WithContext(context.WithValue(r.Context(), keyRequestID, rid))
		rw.Header().Set("X-Request-Id", rid)
		w := &statusWriter{ResponseWriter: rw}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				cause := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
				if w.status == 0 {
					s.renderError(w, r, dialtone.Internal(cause))
				} else {
					s.log.ErrorContext(r.Context(), "panic after response started", "request_id", rid, "error", cause)
				}
			}
			s.observe(r, rt.Path, w, time.Since(start))
		}()
		if err := s.serve(w, r, rt); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// observe writes the access log line and the request metrics.
func (s *Server) observe(r *http.Request, pattern string, w *statusWriter, d time.Duration) {
	s.metrics.observe(r.Method, pattern, w.status, d)
	s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("request_id", requestID(r.Context())), slog.String("method", r.Method),
		slog.String("path", r.URL.Path), slog.String("route", pattern), slog.Int("status", w.status),
		slog.Int("bytes", w.size), slog.Duration("duration", d), slog.String("key_id", w.keyID))
}

// serve runs the per-route middleware and the handler.
func (s *Server) serve(w *statusWriter, r *http.Request, rt route) error {
	if rt.Public {
		if r.Method == http.MethodGet {
			return s.withETag(w, r, rt.handle)
		}
		return rt.handle(w, r)
	}
	p, err := s.authenticate(r)
	if err != nil {
		return err
	}
	r = r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
	w.keyID = p.KeyID
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if err := s.limits.allow(w.Header(), p.KeyID, write); err != nil {
		return err
	}
	if err := core.Authorize(p, rt.Role); err != nil {
		return err
	}
	if rt.Operator && !p.Operator {
		return dialtone.NewError(dialtone.CodeOperatorRequired, "")
	}
	if err := checkQuery(r, rt.Query); err != nil {
		return err
	}
	switch {
	case r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "":
		return s.withIdempotency(w, r, rt)
	case r.Method == http.MethodGet && rt.Stream == nil && rt.Binary == "":
		return s.withETag(w, r, rt.handle)
	}
	return rt.handle(w, r)
}

// checkQuery returns unknown_parameter for the first query parameter not in allowed.
func checkQuery(r *http.Request, allowed []string) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	for name := range r.URL.Query() {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			msg := fmt.Sprintf("%q is not a query parameter of this endpoint.", name)
			if len(allowed) > 0 {
				msg += " Accepted: " + strings.Join(allowed, ", ") + "."
			}
			return dialtone.NewError(dialtone.CodeUnknownParameter, msg).WithParam(name)
		}
	}
	return nil
}

// authenticate reads "Authorization: Bearer key_id:key_secret" and returns its principal:
// missing_api_key without the header, key_secret_required for a key id alone, invalid_api_key
// for anything else that does not authenticate.
func (s *Server) authenticate(r *http.Request) (dialtone.Principal, error) {
	h := r.Header.Get("Authorization")
	if strings.TrimSpace(h) == "" {
		return dialtone.Principal{}, dialtone.NewError(dialtone.CodeMissingAPIKey, "")
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
	if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) == "" {
		return dialtone.Principal{}, dialtone.NewError(dialtone.CodeMissingAPIKey, "")
	}
	if !strings.EqualFold(scheme, "Bearer") {
		return dialtone.Principal{}, dialtone.NewError(dialtone.CodeInvalidAPIKey,
			"The Authorization header must use the Bearer scheme: Bearer <key_id>:<key_secret>.")
	}
	keyID, secret, hasColon := strings.Cut(strings.TrimSpace(token), ":")
	if secret == "" {
		if dialtone.HasPrefix(keyID, dialtone.PrefixKey) {
			return dialtone.Principal{}, dialtone.NewError(dialtone.CodeKeySecretRequired, "")
		}
		if !hasColon && dialtone.LooksLikeKeySecret(keyID) {
			return dialtone.Principal{}, dialtone.NewError(dialtone.CodeInvalidAPIKey,
				"The credential is a secret without its key id: send Bearer <key_id>:<key_secret>.")
		}
		return dialtone.Principal{}, dialtone.NewError(dialtone.CodeInvalidAPIKey, "")
	}
	return s.svc.Keys.Authenticate(r.Context(), keyID, secret)
}

// retryAfter formats a wait as whole seconds, rounded up, at least 1.
func retryAfter(d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	return strconv.Itoa(max(secs, 1))
}
