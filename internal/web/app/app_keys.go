package app

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type keysPageData struct {
	Reseller *loket.Reseller
	Creds    *loket.Credentials // set only right after regenerating: shown once
	Webhooks []*loket.Webhook
}

func (h *Handler) keysData(r *http.Request, s *web.Session) (*keysPageData, error) {
	res, err := h.svc.Resellers.Reseller(r.Context(), s.SubjectID, "")
	if err != nil {
		return nil, err
	}
	hooks, err := h.svc.Webhooks.Webhooks(r.Context(), s.SubjectID, 10)
	if err != nil {
		return nil, err
	}
	return &keysPageData{Reseller: res, Webhooks: hooks}, nil
}

// keysPage: the API keys (stored only as digests, so they can be regenerated but not
// shown again), the IP allowlist, the webhook URL with a test delivery, and the last
// webhook deliveries.
func (h *Handler) keysPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, err := h.keysData(r, s)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "app_keys", h.NewPage(w, r, s, "API & Webhook", "keys", d))
}

func (h *Handler) keysRegenerate(w http.ResponseWriter, r *http.Request, s *web.Session) {
	var creds loket.Credentials
	var err error
	if r.PostFormValue("which") == "api" {
		creds.APIKey, err = h.svc.Resellers.RegenerateAPIKey(r.Context(), s.SubjectID)
	} else {
		creds, err = h.svc.Resellers.RegenerateKeys(r.Context(), s.SubjectID)
	}
	if err != nil {
		h.Back(w, r, "/app/keys", "err", h.ErrText(r, err))
		return
	}
	d, err := h.keysData(r, s)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d.Creds = &creds
	p := h.NewPage(w, r, s, "API & Webhook", "keys", d)
	p.Flash = p.T("Kunci baru dibuat; kunci lama tidak berlaku lagi. Simpan sekarang: tidak akan ditampilkan lagi.")
	h.Render(w, http.StatusOK, "app_keys", p)
}

func (h *Handler) keysIP(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ips := web.SplitIPs(r.PostFormValue("ip_allow"))
	if err := h.svc.Resellers.UpdateReseller(r.Context(), s.SubjectID, loket.ResellerUpdate{IPAllow: &ips}); err != nil {
		h.Back(w, r, "/app/keys", "err", h.ErrText(r, err))
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, "/app/keys", "ok", p.T("Tersimpan."))
}

func (h *Handler) webhookSave(w http.ResponseWriter, r *http.Request, s *web.Session) {
	u := strings.TrimSpace(r.PostFormValue("webhook_url"))
	if err := h.svc.Resellers.UpdateReseller(r.Context(), s.SubjectID, loket.ResellerUpdate{WebhookURL: &u}); err != nil {
		h.Back(w, r, "/app/keys", "err", h.ErrText(r, err))
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, "/app/keys", "ok", p.T("Tersimpan."))
}

// webhookTest posts one signed test event to the webhook URL now and says what came back.
func (h *Handler) webhookTest(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	code, err := h.svc.Webhooks.Test(r.Context(), s.SubjectID)
	switch {
	case err != nil && code == 0 && loket.ErrorCode(err) != loket.EINTERNAL:
		h.Back(w, r, "/app/keys", "err", h.ErrText(r, err))
	case err != nil:
		h.Back(w, r, "/app/keys", "err", p.Tf("Pengiriman uji gagal: %v", err))
	case code < 200 || code > 299:
		h.Back(w, r, "/app/keys", "err", p.Tf("Pengiriman uji dijawab HTTP %d.", code))
	default:
		h.Back(w, r, "/app/keys", "ok", p.Tf("Pengiriman uji berhasil: HTTP %d.", code))
	}
}

type docsData struct {
	Base string
}

// docsPage links the API documentation of every surface a reseller can use.
func (h *Handler) docsPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	h.Render(w, http.StatusOK, "app_docs", h.NewPage(w, r, s, "Dokumentasi", "docs", docsData{Base: httpx.BaseURL(r, h.cfg.PublicURL)}))
}
