package admin

import (
	"net/http"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
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

// limitRow is one limit the server was started with: what it is, its value as people
// read it, and the environment variable that sets it ("" for Loket's fixed limits).
type limitRow struct {
	Label, Value, Env string
}

func (h *Handler) adminSettings(w http.ResponseWriter, r *http.Request, s *web.Session) {
	ctx := r.Context()
	var d adminSettingsData
	var err error
	if d.QRIS, err = h.svc.Settings.Setting(ctx, "qris.static"); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Banks, err = h.svc.Deposits.BankAccounts(ctx); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	if d.Registration, err = loket.SelfRegistration(ctx, h.svc.Settings); err != nil {
		h.Fail(w, r, s, err)
		return
	}
	cfg, p := h.cfg, &web.Page{Lang: web.Lang(r)}
	span := func(min loket.Money) string { return web.Rupiah(min) + " – " + web.Rupiah(loket.MaxDeposit) }
	d.Limits = []limitRow{
		{p.T("Batas waktu pesanan menggantung"), p.Dur(cfg.PendingDeadline), "LOKET_PENDING_DEADLINE"},
		{p.T("Jendela pesanan ganda"), p.Dur(cfg.GuardWindow), "LOKET_DOUBLE_ORDER_WINDOW"},
		{p.T("Batas waktu jawaban supplier"), p.Dur(cfg.SupplierTimeout), "LOKET_SUPPLIER_TIMEOUT"},
		{p.T("Saldo supplier rendah di bawah"), web.Rupiah(cfg.LowBalance), "LOKET_SUPPLIER_LOW_BALANCE"},
		{p.T("Deposit QRIS"), span(loket.DepositMin[loket.MethodQRIS]), ""},
		{p.T("Deposit transfer bank"), span(loket.DepositMin[loket.MethodBank]), ""},
		{p.T("Deposit berlaku selama"), p.Dur(loket.DepositExpiry), ""},
		{p.T("Gagal masuk per username"), p.Tf("%d dalam %s", cfg.SignInFailures, p.Dur(cfg.SignInWindow)), "LOKET_SIGNIN_FAILURES"},
		{p.T("Gagal masuk per alamat IP"), p.Tf("%d dalam %s", cfg.SignInAddrFailures, p.Dur(cfg.SignInWindow)), "LOKET_SIGNIN_ADDR_FAILURES"},
	}
	h.Render(w, http.StatusOK, "admin_settings", h.NewPage(w, r, s, "Pengaturan", "settings", d))
}

func (h *Handler) adminSetQRIS(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	if err := h.svc.Deposits.SetStaticQRIS(r.Context(), r.PostFormValue("qris")); err != nil {
		h.Back(w, r, "/admin/settings", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/settings", "ok", p.T("QRIS disimpan."))
}

func (h *Handler) adminAddBank(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	_, err := h.svc.Deposits.AddBankAccount(r.Context(), loket.BankAccount{Bank: r.PostFormValue("bank"), AccountNo: r.PostFormValue("account_no"),
		Beneficiary: r.PostFormValue("beneficiary")})
	if err != nil {
		h.Back(w, r, "/admin/settings", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/settings", "ok", p.T("Rekening disimpan."))
}

func (h *Handler) adminRegistration(w http.ResponseWriter, r *http.Request, s *web.Session) {
	p := &web.Page{Lang: web.Lang(r)}
	v := "off"
	if r.PostFormValue("on") == "1" {
		v = "on"
	}
	if err := h.svc.Settings.SetSetting(r.Context(), settingRegistration, v); err != nil {
		h.Back(w, r, "/admin/settings", "err", h.ErrText(r, err))
		return
	}
	h.Back(w, r, "/admin/settings", "ok", p.T("Tersimpan."))
}
