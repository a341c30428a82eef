package web

import (
	"net/http"
	"time"

	"github.com/loket/loket/internal/loket"
)

// settingRegistration is the self-registration switch (`loket setting set
// self_registration on|off`); off unless set on.
const settingRegistration = loket.SettingSelfRegistration

type adminSettingsData struct {
	QRIS         string
	Banks        []loket.BankAccount
	Registration bool
	Limits       []limitRow
}

type limitRow struct {
	Name, Value string
}

func (h *Handler) adminSettings(w http.ResponseWriter, r *http.Request, s *sess) {
	ctx := r.Context()
	var d adminSettingsData
	var err error
	if d.QRIS, err = h.svc.Settings.Setting(ctx, "qris.static"); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Banks, err = h.svc.Deposits.BankAccounts(ctx); err != nil {
		h.fail(w, r, s, err)
		return
	}
	if d.Registration, err = loket.SelfRegistration(ctx, h.svc.Settings); err != nil {
		h.fail(w, r, s, err)
		return
	}
	cfg := h.cfg
	d.Limits = []limitRow{
		{"LOKET_PENDING_DEADLINE", cfg.PendingDeadline.String()},
		{"LOKET_DOUBLE_ORDER_WINDOW", cfg.GuardWindow.String()},
		{"LOKET_SUPPLIER_TIMEOUT", cfg.SupplierTimeout.String()},
		{"LOKET_SUPPLIER_LOW_BALANCE", rupiah(cfg.LowBalance)},
		{"deposit QRIS", "Rp 2.000 – Rp 100.000.000, " + (30 * time.Minute).String()},
		{"deposit bank", "Rp 10.000 – Rp 100.000.000"},
		{"login", "5 / 15m / username, 20 / 15m / IP"},
	}
	h.render(w, http.StatusOK, "admin_settings", h.newPage(w, r, s, "Pengaturan", "settings", d))
}

func (h *Handler) adminSetQRIS(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	if err := h.svc.Deposits.SetStaticQRIS(r.Context(), r.PostFormValue("qris")); err != nil {
		h.back(w, r, "/admin/settings", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/settings", "ok", p.T("QRIS disimpan."))
}

func (h *Handler) adminAddBank(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	_, err := h.svc.Deposits.AddBankAccount(r.Context(), loket.BankAccount{Bank: r.PostFormValue("bank"), AccountNo: r.PostFormValue("account_no"),
		Beneficiary: r.PostFormValue("beneficiary")})
	if err != nil {
		h.back(w, r, "/admin/settings", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/settings", "ok", p.T("Rekening disimpan."))
}

func (h *Handler) adminRegistration(w http.ResponseWriter, r *http.Request, s *sess) {
	p := &page{Lang: lang(r)}
	v := "off"
	if r.PostFormValue("on") == "1" {
		v = "on"
	}
	if err := h.svc.Settings.SetSetting(r.Context(), settingRegistration, v); err != nil {
		h.back(w, r, "/admin/settings", "err", h.errText(err))
		return
	}
	h.back(w, r, "/admin/settings", "ok", p.T("Tersimpan."))
}
