// Package web serves the dashboard pages. For now it is the sign-in page and the
// landing page; the operator's and reseller's dashboards grow here.
package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/loket/loket/internal/api"
)

//go:embed templates/*.html
var files embed.FS

var pages = template.Must(template.ParseFS(files, "templates/*.html"))

// Mount adds the pages to the server.
func Mount(s *api.Server) {
	s.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	s.Handle("GET /login", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		pages.ExecuteTemplate(w, "login.html", nil)
	}))
}
