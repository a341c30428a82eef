// Package web is the dashboards' core: the handler and its Config, server-side
// sessions with CSRF tokens and the guards of the operator's and the reseller's pages,
// rendering from embedded html/template files (the layout and the partials every page is
// parsed with), sign-in and sign-out at /login, the language switch and the message
// catalog, the refusals in words, the bar chart and the static files (a small
// stylesheet and a few lines of vanilla JS; no build step). The pages themselves are in
// internal/web/admin (/admin) and internal/web/app (/app), which use what export.go
// exports; internal/web/dashboards mounts the three. Money moves only through the domain
// services (loket.Services), which go through the ledger. See docs/dashboards.md.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*
var staticFiles embed.FS

// Config is what the pages show of the installation's settings.
type Config struct {
	PublicURL       string        // LOKET_PUBLIC_URL: https makes cookies Secure, whatever the request
	PendingDeadline time.Duration // LOKET_PENDING_DEADLINE
	GuardWindow     time.Duration // LOKET_DOUBLE_ORDER_WINDOW
	SupplierTimeout time.Duration // LOKET_SUPPLIER_TIMEOUT
	LowBalance      loket.Money   // LOKET_SUPPLIER_LOW_BALANCE
	// LOKET_SIGNIN_FAILURES, LOKET_SIGNIN_ADDR_FAILURES, LOKET_SIGNIN_WINDOW (shown on
	// the settings page; the limiter itself is the services').
	SignInFailures, SignInAddrFailures int
	SignInWindow                       time.Duration
}

// Handler holds what the pages need.
type Handler struct {
	svc loket.Services
	cfg Config
	log *slog.Logger

	httpsPublic bool // LOKET_PUBLIC_URL is https: every cookie gets Secure
	now         func() time.Time
}

// Session lifetimes.
const (
	adminSessionTTL    = 12 * time.Hour
	resellerSessionTTL = 7 * 24 * time.Hour
)

// wib is the zone every page shows times in; the database keeps UTC.
var wib = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return l
	}
	return time.FixedZone("WIB", 7*3600)
}()

// New makes the handler of the pages.
func New(svc loket.Services, cfg Config, log *slog.Logger) *Handler {
	return &Handler{svc: svc, cfg: cfg, log: log, httpsPublic: strings.HasPrefix(cfg.PublicURL, "https://"), now: time.Now}
}

var staticVersion = func() string {
	sum := sha256.New()
	for _, f := range []string{"static/app.css", "static/app.js"} {
		b, _ := staticFiles.ReadFile(f)
		sum.Write(b)
	}
	return hex.EncodeToString(sum.Sum(nil))[:10]
}()

func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFiles.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch {
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	// Links carry ?v=<hash of the files>, so a long cache is safe.
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

// setLang switches the language cookie and goes back where the person was.
func (h *Handler) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "en" {
		lang = "id"
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
	back := r.URL.Query().Get("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.Contains(back, "\\") {
		back = "/login"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
