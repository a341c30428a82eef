package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Cookies. The session cookie holds a random token; the database keeps its SHA-256.
const (
	sessionCookie = "loket_session"
	loginCookie   = "loket_login" // the sign-in form's CSRF token (double submit)
	langCookie    = "lang"
	flashCookie   = "loket_flash"
)

// maxForm bounds a form's body; the catalog import is the biggest.
const maxForm = 4 << 20

// sess is the signed-in person of a request.
type sess struct {
	*loket.WebSession
	digest   string
	Reseller *loket.ResellerAuth // for reseller sessions
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

// secure says whether r's cookies get Secure: when the client used https (directly,
// or as a trusted proxy says), or LOKET_PUBLIC_URL is https.
func (h *Handler) secure(r *http.Request) bool {
	return h.httpsPublic || httpx.Scheme(r) == "https"
}

// session returns the request's session, or nil.
func (h *Handler) session(r *http.Request) *sess {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	d := auth.Digest(c.Value)
	s, err := h.svc.Sessions.WebSessionByDigest(r.Context(), d)
	if err != nil {
		return nil
	}
	return &sess{WebSession: s, digest: d}
}

// startSession signs a person in: a fresh token (so a token planted before sign-in is
// worthless), its digest stored, the token in an HttpOnly cookie.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, kind string, id int64, username string) error {
	token := auth.NewKey("")
	ttl := resellerSessionTTL
	if kind == loket.SessionAdmin {
		ttl = adminSessionTTL
	}
	// The User-Agent is only shown to the operator: any header a browser sends is kept,
	// made fit to store.
	err := h.svc.Sessions.CreateWebSession(r.Context(), auth.Digest(token), loket.WebSession{Kind: kind, SubjectID: id, Username: username,
		CSRF: auth.NewKey(""), IP: httpx.ClientIP(r), UserAgent: loket.CleanText(r.UserAgent(), 300), ExpiresAt: h.now().Add(ttl)})
	if err != nil {
		return err
	}
	h.setCookie(w, r, sessionCookie, token, int(ttl.Seconds()))
	return nil
}

// sameOrigin accepts a POST only when the browser says it comes from this host (the
// one the client asked for: behind a trusted proxy, the one the proxy received, see
// httpx.Host): its Origin, or without one (or with "null") its Referer. Browsers send
// Origin with every POST, so a POST with neither came from no page of ours and is
// refused; the CSRF token is checked as well.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	u, err := url.Parse(src)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, httpx.Host(r))
}

// guard runs fn for a signed-in person of kind; POSTs must carry the session's CSRF
// token and come from this site.
func (h *Handler) guard(kind string, fn func(http.ResponseWriter, *http.Request, *sess)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		s := h.session(r)
		if s == nil || s.Kind != kind {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			} else {
				http.Error(w, "sign in first", http.StatusUnauthorized)
			}
			return
		}
		if kind == loket.SessionReseller {
			ra, err := h.svc.Resellers.AuthByID(r.Context(), s.SubjectID)
			if err != nil || ra.Status != loket.ResellerActive {
				h.svc.Sessions.DeleteWebSession(r.Context(), s.digest)
				h.setCookie(w, r, sessionCookie, "", -1)
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.Reseller = ra
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseMultipartForm(maxForm); err != nil && err != http.ErrNotMultipart {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			tok := r.PostFormValue("csrf")
			if !sameOrigin(r) || tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
				http.Error(w, "CSRF check failed: reload the page and try again", http.StatusForbidden)
				return
			}
		}
		if err := checkForm(r); err != nil {
			h.fail(w, r, s, err)
			return
		}
		fn(w, r, s)
	}
}

// multiLine names the form fields that are textareas, with the most bytes each takes:
// they may hold line breaks and tabs. Every other field is one line of at most
// loket.MaxText bytes.
var multiLine = map[string]int{"file": maxForm, "qris": loket.MaxText}

// checkForm applies loket's rule for text to what a request sends: its URL
// (httpx.CheckURL: the path and the query) and every field of a posted form, parsed
// before. Every page goes through it (guard, and the sign-in form), so no text of a
// form reaches a service unchecked.
func checkForm(r *http.Request) error {
	if err := httpx.CheckURL(r); err != nil {
		return err
	}
	return httpx.CheckValues("field", r.PostForm, multiLine)
}

// textRefusals words loket.CheckText's refusals on a page, by reason: the field, and
// for a text too long the most bytes it takes.
var textRefusals = map[string]string{
	loket.ReasonNotUTF8: "Kolom %[1]s harus berupa teks UTF-8 yang valid.",
	loket.ReasonControl: "Kolom %[1]s berisi karakter kontrol yang tidak diizinkan.",
	loket.ReasonTooLong: "Kolom %[1]s terlalu panjang (maksimal %[2]d byte).",
}

// admin and reseller guard a page for one kind of session.
func (h *Handler) admin(fn func(http.ResponseWriter, *http.Request, *sess)) http.HandlerFunc {
	return h.guard(loket.SessionAdmin, fn)
}

func (h *Handler) reseller(fn func(http.ResponseWriter, *http.Request, *sess)) http.HandlerFunc {
	return h.guard(loket.SessionReseller, fn)
}

// flash keeps a one-line message for the next page shown (after a redirect).
// kind is "ok" or "err".
func (h *Handler) flash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	if len(msg) > 600 {
		msg = msg[:600]
	}
	h.setCookie(w, r, flashCookie, url.QueryEscape(kind+":"+msg), 60)
}

// back redirects after a POST, with a message.
func (h *Handler) back(w http.ResponseWriter, r *http.Request, to, kind, msg string) {
	if msg != "" {
		h.flash(w, r, kind, msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
