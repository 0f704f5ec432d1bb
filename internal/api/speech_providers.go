package api

import "net/http"

func (s *Server) getSpeechProviders(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.SpeechProviders.Get(r.Context(), principal(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, keys)
	return nil
}

// putSpeechProviders sets or removes the organization's speech provider keys: a provider
// absent from the body stays as it is, null removes its key. A PUT is idempotent by nature, so
// it needs no Idempotency-Key.
func (s *Server) putSpeechProviders(w http.ResponseWriter, r *http.Request) error {
	params, b, err := decodeParams(w, r, s.svc.SpeechProviders.Validate)
	if err != nil {
		return err
	}
	keys, err := s.svc.SpeechProviders.Put(r.Context(), principal(r.Context()), params)
	if err != nil {
		return b.orderFields(err)
	}
	writeJSON(w, http.StatusOK, keys)
	return nil
}
