package api

import (
	"net/http"
)

func (s *Server) getTelephonyConfig(w http.ResponseWriter, r *http.Request) error {
	cfg, err := s.svc.TelephonyConfigs.Get(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cfg)
	return nil
}

// putTelephonyConfig replaces the organization's telephony config; fields absent or null take
// their defaults. A PUT is idempotent by nature, so it needs no Idempotency-Key.
func (s *Server) putTelephonyConfig(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.TelephonyConfigs.Validate)
	if err != nil {
		return err
	}
	cfg, err := s.svc.TelephonyConfigs.Put(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, cfg)
	return nil
}
