package app

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/web"
)

type depositFormData struct {
	QRIS     bool
	Banks    []loket.BankAccount
	Deposits []*loket.Deposit
	Amount   string
}

func (h *Handler) depositData(r *http.Request, s *web.Session) (*depositFormData, error) {
	ctx := r.Context()
	d := &depositFormData{}
	q, err := h.svc.Settings.Setting(ctx, "qris.static")
	if err != nil {
		return nil, err
	}
	d.QRIS = q != ""
	if d.Banks, err = h.svc.Deposits.BankAccounts(ctx); err != nil {
		return nil, err
	}
	if d.Deposits, err = h.svc.Deposits.Deposits(ctx, s.SubjectID, 20); err != nil {
		return nil, err
	}
	return d, nil
}

func (h *Handler) depositForm(w http.ResponseWriter, r *http.Request, s *web.Session) {
	d, err := h.depositData(r, s)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	h.Render(w, http.StatusOK, "app_deposit", h.NewPage(w, r, s, "Isi saldo", "deposit", d))
}

// depositSubmit opens a deposit through the deposit service: an amount plus a unique code, paid by
// QRIS (a dynamic QR of the total) or bank transfer.
func (h *Handler) depositSubmit(w http.ResponseWriter, r *http.Request, s *web.Session) {
	amount, ok := web.FormMoney(r, "amount")
	method := r.PostFormValue("method")
	var err error
	var dep *loket.Deposit
	if !ok {
		p := &web.Page{Lang: web.Lang(r)}
		err = fmt.Errorf("%s", p.T("Jumlah harus angka lebih dari nol."))
	} else {
		dep, err = h.svc.Deposits.CreateDeposit(r.Context(), s.Reseller, method, amount, "web")
	}
	if err != nil {
		d, derr := h.depositData(r, s)
		if derr != nil {
			h.Fail(w, r, s, derr)
			return
		}
		d.Amount = r.PostFormValue("amount")
		p := h.NewPage(w, r, s, "Isi saldo", "deposit", d)
		min, known := loket.DepositMin[method]
		switch {
		case ok && known && loket.ErrorField(err) == "amount":
			p.Error = p.Tf("Jumlah deposit %s harus antara %s dan %s.", p.W(method), web.Rupiah(min), web.Rupiah(loket.MaxDeposit))
		case ok:
			p.Error = h.ErrText(r, err)
		default:
			p.Error = err.Error()
		}
		h.Render(w, http.StatusUnprocessableEntity, "app_deposit", p)
		return
	}
	http.Redirect(w, r, "/app/deposits/"+strconv.FormatInt(dep.ID, 10), http.StatusSeeOther)
}

type depositPageData struct {
	Dep   *loket.Deposit
	QR    string // the QR image's path (the public link, token-protected)
	Banks []loket.BankAccount
}

// depositPage shows what to pay: the QR with a countdown to expiry, or the bank
// accounts; while pending it polls and reloads when paid.
func (h *Handler) depositPage(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	dep, err := h.svc.Deposits.Deposit(r.Context(), id, s.SubjectID)
	if err != nil {
		h.Fail(w, r, s, err)
		return
	}
	d := depositPageData{Dep: dep}
	if dep.QRString != "" {
		d.QR = fmt.Sprintf("/qr/%d/%s.png", dep.ID, h.svc.Deposits.QRToken(dep.ID))
	}
	if dep.Method == loket.MethodBank {
		if d.Banks, err = h.svc.Deposits.BankAccounts(r.Context()); err != nil {
			h.Fail(w, r, s, err)
			return
		}
	}
	h.Render(w, http.StatusOK, "app_deposit_detail", h.NewPage(w, r, s, "Deposit", "deposit", d))
}

func (h *Handler) depositStatus(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	dep, err := h.svc.Deposits.Deposit(r.Context(), id, s.SubjectID)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	status := dep.Status
	if status == loket.DepositPending && h.Now().After(dep.ExpiresAt) {
		status = "expired"
	}
	writeJSON(w, map[string]any{"status": status})
}

func (h *Handler) depositCancel(w http.ResponseWriter, r *http.Request, s *web.Session) {
	id, ok := web.PathID(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	to := "/app/deposits/" + strconv.FormatInt(id, 10)
	if _, err := h.svc.Deposits.CancelDeposit(r.Context(), s.Reseller, id); err != nil {
		h.Back(w, r, "/app/deposit", "err", h.ErrText(r, err))
		return
	}
	p := &web.Page{Lang: web.Lang(r)}
	h.Back(w, r, to, "ok", p.T("Deposit dibatalkan."))
}
