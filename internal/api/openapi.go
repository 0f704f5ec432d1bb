package api

import "net/http"

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.OpenAPI())
	return nil
}

// OpenAPI returns the OpenAPI 3.1 document of the routes.
func (s *Server) OpenAPI() map[string]any {
	return map[string]any{"openapi": "3.1.0"}
}
