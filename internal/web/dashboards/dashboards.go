// Package dashboards puts the dashboards together: the core (package web: sign-in,
// sessions, layout, static files, the language switch) with the operator's pages
// (package admin, /admin) and the reseller's (package app, /app). It is what
// internal/server mounts; web itself cannot, as the page packages import it.
// See docs/dashboards.md.
package dashboards

import (
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
	"github.com/loket/loket/internal/web/admin"
	"github.com/loket/loket/internal/web/app"
)

// Mount adds the pages to m.
func Mount(m *httpx.Mux, svc loket.Services, cfg web.Config) {
	h := web.New(svc, cfg, m.Log())
	handle := h.MountCore(m)
	admin.Mount(h, handle)
	app.Mount(h, handle)
}
