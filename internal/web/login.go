package web

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

type loginData struct {
	Token    string // the form's CSRF token, also in the loket_login cookie
	Username string
	As       string
}

func (h *Handler) mountLogin(handle func(string, http.HandlerFunc)) {
	handle("GET /login", h.loginPage)
	handle("POST /login", h.loginSubmit)
	handle("POST /logout", h.logout)
}

func home(kind string) string {
	if kind == loket.SessionAdmin {
		return "/admin"
	}
	return "/app"
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if s := h.session(r); s != nil {
		http.Redirect(w, r, home(s.Kind), http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, http.StatusOK, loginData{As: r.URL.Query().Get("as")}, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, d loginData, msg string) {
	d.Token = auth.NewKey("")
	if d.As != loket.SessionAdmin {
		d.As = loket.SessionReseller
	}
	h.setCookie(w, r, loginCookie, d.Token, 3600)
	w.Header().Set("Cache-Control", "no-store")
	p := h.newPage(w, r, nil, "Masuk", "", d)
	if msg != "" {
		p.Error = msg
	}
	h.render(w, status, "login", p)
}

// loginSubmit signs an operator or a reseller in. The resellers service counts the
// failures, per username and per address, shared with every other way of signing in;
// past its limits the form refuses without checking.
func (h *Handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c, err := r.Cookie(loginCookie)
	tok := r.PostFormValue("csrf")
	if !sameOrigin(r) || err != nil || tok == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(tok)) != 1 {
		http.Error(w, "CSRF check failed: reload the sign-in page and try again", http.StatusForbidden)
		return
	}
	p := &page{Lang: lang(r)}
	d := loginData{Username: strings.ToLower(strings.TrimSpace(r.PostFormValue("username"))), As: r.PostFormValue("as")}
	if d.As != loket.SessionAdmin {
		d.As = loket.SessionReseller
	}
	if err := checkForm(r); err != nil {
		d.Username = ""
		h.showLogin(w, r, http.StatusBadRequest, d, p.Tf(textRefusals[loket.ErrorReason(err)], loket.ErrorField(err), loket.ErrorMax(err)))
		return
	}
	password := r.PostFormValue("password")
	if d.Username == "" || password == "" {
		h.showLogin(w, r, http.StatusUnauthorized, d, p.T("Username atau password salah."))
		return
	}
	ctx, addr := r.Context(), httpx.ClientIP(r)
	var id int64
	switch d.As {
	case loket.SessionAdmin:
		id, err = h.svc.Resellers.AdminLogin(ctx, d.Username, password, addr)
	default:
		var res *loket.Reseller
		if res, err = h.svc.Resellers.Login(ctx, d.Username, password, addr); err == nil {
			id = res.ID
		}
	}
	switch {
	case err == nil:
	case loket.ErrorCode(err) == loket.EUNAUTHORIZED:
		h.showLogin(w, r, http.StatusUnauthorized, d, p.T("Username atau password salah."))
		return
	case loket.ErrorReason(err) == loket.ReasonSuspended:
		h.showLogin(w, r, http.StatusForbidden, d, p.T("Akun ini dinonaktifkan. Hubungi operator."))
		return
	default:
		h.loginRefused(w, r, d, p, err)
		return
	}
	if err := h.startSession(w, r, d.As, id, d.Username); err != nil {
		h.showLogin(w, r, http.StatusInternalServerError, d, h.errText(r, err))
		return
	}
	h.setCookie(w, r, loginCookie, "", -1)
	http.Redirect(w, r, home(d.As), http.StatusSeeOther)
}

// loginRefused answers a sign-in the limits refuse (ERATELIMIT): 429, with how many
// minutes to wait.
func (h *Handler) loginRefused(w http.ResponseWriter, r *http.Request, d loginData, p *page, err error) {
	if loket.ErrorCode(err) != loket.ERATELIMIT {
		h.showLogin(w, r, http.StatusInternalServerError, d, h.errText(r, err))
		return
	}
	wait := loket.ErrorRetryAt(err).Sub(h.now())
	httpx.RetryAfter(w, wait)
	h.showLogin(w, r, http.StatusTooManyRequests, d, p.Tf("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %d menit.", int(wait.Minutes())+1))
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	s := h.session(r)
	if s != nil {
		if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) != 1 {
			http.Error(w, "CSRF check failed", http.StatusForbidden)
			return
		}
		h.svc.Sessions.DeleteWebSession(r.Context(), s.digest)
	}
	h.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
