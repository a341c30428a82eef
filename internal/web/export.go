package web

import (
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// What the page packages (internal/web/admin, internal/web/app) use of the core: the
// page every template gets, the session, rendering, guards, form readers and the chart.

// Page is what every template gets (see page).
type Page = page

// Session is a signed-in session (see sess).
type Session = sess

// BarChart is the inline SVG bar chart of the _chart.html partial.
type BarChart = barChart

// Handle registers one route; MountCore returns it for the page packages' Mount.
type Handle = func(pattern string, f http.HandlerFunc)

// WIB is the zone every page shows times in.
var WIB = wib

// MaxForm is the largest form body accepted.
const MaxForm = maxForm

// TextRefusals words the refusals of a form's free text (loket.ErrorReason → message).
var TextRefusals = textRefusals

// Services, Config, Log and Now are what the handler was made with.
func (h *Handler) Services() loket.Services { return h.svc }
func (h *Handler) Config() Config           { return h.cfg }
func (h *Handler) Log() *slog.Logger        { return h.log }
func (h *Handler) Now() time.Time           { return h.now() }

// MountCore adds the core's routes to m (the home redirect, static files, the language
// switch, sign-in and sign-out) and returns the registering function for the page packages.
func (h *Handler) MountCore(m *httpx.Mux) Handle {
	handle := func(pattern string, f http.HandlerFunc) { m.Handle(pattern, f) }
	handle("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) })
	handle("GET /static/{file}", h.static)
	handle("GET /lang/{lang}", h.setLang)
	h.mountLogin(handle)
	return handle
}

// AddTemplates parses a page package's templates (every *.html of fsys's templates/),
// each with the layout, the shared partials and the package's own template funcs, and
// adds them to those Render knows, by file name. Call it while the package initialises.
func AddTemplates(fsys fs.FS, pageFuncs template.FuncMap) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if _, dup := templates[name]; dup {
			panic("web: template " + name + " twice")
		}
		templates[name] = template.Must(template.Must(base.Clone()).Funcs(pageFuncs).ParseFS(fsys, n))
	}
}

// AddEnglish adds a page package's messages to the catalog (see addEnglish).
func AddEnglish(m map[string]string) { addEnglish(m) }

// Lang is the request's language.
func Lang(r *http.Request) string { return lang(r) }

func (h *Handler) NewPage(w http.ResponseWriter, r *http.Request, s *Session, title, nav string, d any) *Page {
	return h.newPage(w, r, s, title, nav, d)
}
func (h *Handler) Render(w http.ResponseWriter, status int, name string, p *Page) {
	h.render(w, status, name, p)
}
func (h *Handler) Back(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	h.back(w, r, to, kind, msg)
}
func (h *Handler) ErrText(r *http.Request, err error) string { return h.errText(r, err) }
func (h *Handler) Fail(w http.ResponseWriter, r *http.Request, s *Session, err error) {
	h.fail(w, r, s, err)
}

// Admin and Reseller guard a page: signed in as that kind, same origin and a CSRF token
// on a POST, a checked form.
func (h *Handler) Admin(fn func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
	return h.admin(fn)
}
func (h *Handler) Reseller(fn func(http.ResponseWriter, *http.Request, *Session)) http.HandlerFunc {
	return h.reseller(fn)
}

// Form and formatting helpers.
func PathID(r *http.Request) (int64, bool)                      { return pathID(r) }
func FormInt(r *http.Request, key string) (int64, bool)         { return formInt(r, key) }
func FormMoney(r *http.Request, key string) (loket.Money, bool) { return formMoney(r, key) }
func FormBP(r *http.Request, key string) (int64, bool)          { return formBP(r, key) }
func MarkupScope(r *http.Request) (scope, code string)          { return markupScope(r) }
func SplitIPs(s string) []string                                { return splitIPs(s) }
func Rupiah(v any) string                                       { return rupiah(v) }
func ShowTime(t time.Time) string                               { return showTime(t) }
func NewBarChart(aria string, labels, titles []string, values []loket.Money) BarChart {
	return newBarChart(aria, labels, titles, values)
}

// fail shows an error page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *sess, err error) {
	status := http.StatusInternalServerError
	switch loket.ErrorCode(err) {
	case loket.ENOTFOUND:
		status = http.StatusNotFound
	case loket.EINVALID:
		status = http.StatusBadRequest
	}
	p := h.newPage(w, r, s, "Galat", "", nil)
	p.Error = h.errText(r, err)
	h.render(w, status, "error", p)
}

// markupScope reads the scope of a markup rule; scope all takes no code.
func markupScope(r *http.Request) (scope, code string) {
	scope = r.PostFormValue("scope")
	if scope == loket.ScopeAll {
		return scope, ""
	}
	return scope, r.PostFormValue("code")
}

func splitIPs(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ' ' || r == '\r' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// formBP reads a percentage ("2,5" or "2.5") as basis points (250).
func formBP(r *http.Request, key string) (int64, bool) {
	v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue(key)), "%"))
	if v == "" {
		return 0, true
	}
	pct, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
	if err != nil || pct < 0 || pct > 1000 {
		return 0, false
	}
	return int64(pct*100 + 0.5), true
}

// English is the English of a message of the catalog, and whether it has one.
func English(key string) (string, bool) {
	v, ok := english[key]
	return v, ok
}
