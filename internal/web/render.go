package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// page is what every template gets: the layout's facts and the page's own data in D.
type page struct {
	Lang   string
	Title  string
	Kind   string // "admin", "reseller", or "" when signed out
	User   string
	CSRF   string
	Path   string // for the language switch's way back
	Nav    string // the active menu entry
	Flash  string
	Error  string
	Static string // ?v= of the static files
	D      any
}

// T translates a message of the catalog (keys are the Indonesian text).
func (p *page) T(key string) string { return translate(p.Lang, key) }

// Tf translates and formats.
func (p *page) Tf(key string, args ...any) string {
	return fmt.Sprintf(translate(p.Lang, key), args...)
}

var funcs = template.FuncMap{
	"rp":  rupiah,
	"num": thousands,
	"bp":  percentBP,
	// pair passes two values to a template: {{template "x" (pair $ .Item)}}, read as .A and .B.
	"pair": func(a, b any) struct{ A, B any } { return struct{ A, B any }{a, b} },
	"wib":  showTime,
	"wibp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return showTime(*t)
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"add": func(a, b any) int64 { return wholeOf(a) + wholeOf(b) },
	"mul": func(a, b int) int { return a * b },
	"sub": func(a, b any) int64 { return wholeOf(a) - wholeOf(b) },
	"pct": func(part, whole any) int64 {
		if wholeOf(whole) <= 0 {
			return 0
		}
		return wholeOf(part) * 100 / wholeOf(whole)
	},
	"deref": func(p any) any { // *int64 or *loket.Money
		v := reflect.ValueOf(p)
		if !v.IsValid() || v.IsNil() {
			return 0
		}
		return v.Elem().Interface()
	},
	"join": strings.Join,
	"statusClass": func(s string) string {
		switch s {
		case loket.StatusSuccess, "delivered", "matched", "credited", "active", "approved", "refunded", "settlement":
			return "ok"
		case loket.StatusFailed, "gave_up", "expired", "cancel", "suspended", "unmatched", "rejected", "owed":
			return "bad"
		}
		return "wait"
	},
}

// base is the layout and the parts several pages share (files named _*.html); every
// page's template is a clone of it with the page's file.
var base = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/_*.html"))

// templates are the pages by name: the core's here, the page packages' by AddTemplates.
var templates = parseTemplates()

func parseTemplates() map[string]*template.Template {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		out[strings.TrimSuffix(name, ".html")] = template.Must(template.Must(base.Clone()).ParseFS(templateFiles, n))
	}
	return out
}

// lang is the request's language: the cookie, else Indonesian.
func lang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "id"
}

// newPage starts a page for a request and session (s may be nil).
func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, s *sess, title, nav string, d any) *page {
	p := &page{Lang: lang(r), Nav: nav, Path: r.URL.RequestURI(), Static: staticVersion, D: d}
	p.Title = p.T(title)
	if s != nil {
		p.Kind, p.User, p.CSRF = s.Kind, s.Username, s.CSRF
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			kind, msg, _ := strings.Cut(v, ":")
			if kind == "err" {
				p.Error = msg
			} else {
				p.Flash = msg
			}
		}
		h.setCookie(w, r, flashCookie, "", -1)
	}
	return p
}

// render executes a page's template into a buffer first, so a template error is a
// clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p *page) {
	t, ok := templates[name]
	if !ok {
		panic("web: no template " + name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", p); err != nil {
		h.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// wholeOf reads any whole number a template hands over: Money, a count, a constant.
// Templates are checked only as they run, so the funcs take what comes.
func wholeOf(v any) int64 {
	rv := reflect.ValueOf(v)
	if rv.CanInt() {
		return rv.Int()
	}
	if rv.CanUint() {
		return int64(rv.Uint())
	}
	return 0
}

// rupiah formats money the Indonesian way: Rp 1.234.567.
func rupiah(v any) string { return loket.FormatRupiah(loket.Money(wholeOf(v))) }

// thousands writes a count with Indonesian thousands dots: 1.234.
func thousands(v any) string { return loket.Thousands(loket.Money(wholeOf(v)), '.') }

func showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(wib).Format("02-01-2006 15:04") + " WIB"
}

// formInt reads a whole number from a form, allowing thousands dots and spaces
// ("50.000"): how amounts are written here.
func formInt(r *http.Request, key string) (int64, bool) {
	v := strings.NewReplacer(".", "", ",", "", " ", "", "Rp", "", "rp", "").Replace(strings.TrimSpace(r.FormValue(key)))
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// formMoney reads an amount of rupiah from a form, written as formInt takes it.
func formMoney(r *http.Request, key string) (loket.Money, bool) {
	n, ok := formInt(r, key)
	return loket.Money(n), ok
}

func pathID(r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return n, err == nil && n > 0
}
