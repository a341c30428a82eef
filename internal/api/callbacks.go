package api

import (
	"io"
	"net/http"
)

// maxCallback bounds a supplier callback's body.
const maxCallback = 1 << 20

// callbacks serves {LOKET_PUBLIC_URL}/callbacks/{name}: what upstream suppliers push.
// The answer (status and body) is the supplier adapter's, in the upstream's dialect.
func (s *Server) callbacks() {
	h := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallback))
		if err != nil {
			http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		status, answer := s.svc.Orders.HandleCallback(r.Context(), r.PathValue("name"), r, body)
		if status == 0 {
			status = http.StatusOK
		}
		if len(answer) > 0 && (answer[0] == '{' || answer[0] == '[') {
			w.Header().Set("Content-Type", "application/json")
		} else if len(answer) > 0 && answer[0] == '<' {
			w.Header().Set("Content-Type", "text/xml")
		}
		w.WriteHeader(status)
		w.Write(answer)
	}
	s.Handle("POST /callbacks/{name}", http.HandlerFunc(h))
	s.Handle("GET /callbacks/{name}", http.HandlerFunc(h))
}
