package api

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database answers, service_unavailable otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.Health.Ready(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "not ready", "request_id", requestID(r.Context()), "error", err.Error())
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	return nil
}
