package tokowendigg

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// minDeposit is the seed's minimum for a bank transfer (the core's minimum for bank
// deposits too): smaller amounts get the seed's own message.
const minDeposit = 10_000

// depositProvider is what the seed calls a deposit's provider.
const depositProvider = "DEPOSIT"

// depositError marks a core refusal of a deposit, so reply words it as one (a conflict
// is "too many unpaid deposits" here, not "duplicate transaction").
type depositError struct{ err error }

func (e *depositError) Error() string { return e.err.Error() }
func (e *depositError) Unwrap() error { return e.err }

// depositView is the answer to transaction/deposit.
type depositView struct {
	Type       string      `json:"type"`
	Reference  string      `json:"reference"`
	Provider   string      `json:"provider"`
	Product    string      `json:"product"`
	Price      loket.Money `json:"price"`
	Via        string      `json:"via"`
	Status     string      `json:"status"`
	InvoiceURL string      `json:"invoice_url"`
	ExpiredAt  string      `json:"expired_at"`
}

// bankLabel is the seed's "via": "Bank BCA".
func bankLabel(bank string) string {
	if strings.HasPrefix(strings.ToLower(bank), "bank ") {
		return bank
	}
	return "Bank " + bank
}

// depositProduct is the seed's product of a deposit: "Isi Saldo Rp. 500.000".
func depositProduct(amount loket.Money) string {
	return "Isi Saldo Rp. " + strings.TrimPrefix(rupiah(amount), "Rp ")
}

// deposit opens a balance deposit paid by bank transfer. "via" names one of the
// operator's bank accounts; the total to transfer is the amount plus a unique code,
// and a transfer of that total to any of the operator's accounts pays it.
func (h *handler) deposit(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	body, err := readBody(r)
	if err != nil {
		h.fail(w, err)
		return
	}
	raw := strings.TrimSpace(body["amount"])
	if raw == "" {
		h.fail(w, failf(http.StatusBadRequest, "Kolom amount wajib diisi"))
		return
	}
	amount, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		// 500000.0 is a whole number a PHP client may send; 500000.5 is not.
		f, ferr := strconv.ParseFloat(raw, 64)
		if ferr != nil || f != float64(int64(f)) || math.Abs(f) > float64(loket.MaxAmount) {
			h.fail(w, failf(http.StatusBadRequest, "Kolom amount tidak valid"))
			return
		}
		amount = int64(f)
	}
	via := loket.BankKey(body["via"])
	if via == "" {
		h.fail(w, failf(http.StatusBadRequest, "Kolom via wajib diisi"))
		return
	}
	banks, err := h.svc.Deposits.BankAccounts(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	bank, names := loket.FindBank(banks, via)
	switch {
	case len(banks) == 0:
		h.fail(w, failf(http.StatusBadRequest, "Metode pembayaran ini belum tersedia, silahkan hubungi admin"))
		return
	case bank == nil:
		h.fail(w, failf(http.StatusBadRequest, "Metode pembayaran tidak tersedia, gunakan salah satu dari: %s", strings.Join(names, ", ")))
		return
	}
	if amount < minDeposit {
		h.fail(w, failf(http.StatusBadRequest, "Minimum nominal untuk menggunakan metode pembayaran ini Rp 10.000"))
		return
	}
	d, err := h.svc.Deposits.CreateDeposit(r.Context(), ra, loket.MethodBank, loket.Money(amount), Surface)
	if err != nil {
		h.fail(w, &depositError{err})
		return
	}
	ref := h.depositRef(d)
	ok(w, depositView{Type: "deposit", Reference: ref, Provider: depositProvider, Product: depositProduct(d.Amount), Price: d.Total,
		Via: bankLabel(bank.Bank), Status: depositStatus(d, time.Now()), InvoiceURL: h.invoiceURL(r, ref),
		ExpiredAt: d.ExpiresAt.UTC().Format(utcLayout)})
}

// depositRef is the seed's reference of a deposit.
func (h *handler) depositRef(d *loket.Deposit) string {
	return depositReference(d.ID, d.CreatedAt, h.svc.Deposits.QRToken(d.ID))
}

// depositStatus is the seed's word for a deposit's status: unpaid while it can be
// paid, success once paid, and expired once it cannot be paid any more, whether it
// lapsed or was cancelled (the seed has no word for a cancelled invoice; "failed"
// is an order's, with a refund).
func depositStatus(d *loket.Deposit, now time.Time) string {
	switch d.Status {
	case loket.DepositSuccess:
		return "success"
	case loket.DepositPending:
		if now.Before(d.ExpiresAt) {
			return "unpaid"
		}
	}
	return "expired"
}

// depositStatusAt is when a deposit reached its status.
func depositStatusAt(d *loket.Deposit, now time.Time) time.Time {
	switch {
	case d.SettledAt != nil:
		return *d.SettledAt
	case d.Status == loket.DepositPending && !now.Before(d.ExpiresAt):
		return d.ExpiresAt
	}
	return d.CreatedAt
}

func wibNote(t time.Time) string { return t.In(wib).Format("2006/01/02 15:04:05") + " WIB" }

// depositNote is the seed's sentence about a deposit's status, with times in WIB.
func depositNote(d *loket.Deposit, now time.Time) string {
	at := wibNote(depositStatusAt(d, now))
	switch {
	case d.Status == loket.DepositSuccess:
		return "Deposit berhasil pada " + at + ", saldo " + rupiah(d.Amount) + " telah ditambahkan"
	case d.Status == loket.DepositCancel:
		return "Deposit dibatalkan pada " + at
	case depositStatus(d, now) == "expired":
		return "Deposit kedaluwarsa pada " + at
	}
	return "Menunggu transfer sebesar " + rupiah(d.Total) + " sebelum " + wibNote(d.ExpiresAt)
}

// depositTransaction answers transaction/{reference} for a deposit, in the same shape
// as an order's.
func (h *handler) depositTransaction(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth) {
	d, err := h.lookupDeposit(r.Context(), r.PathValue("reference"), ra.ID)
	if err != nil {
		h.fail(w, err)
		return
	}
	now := time.Now()
	ref := h.depositRef(d)
	ok(w, transactionView{Reference: ref, Provider: depositProvider, Product: depositProduct(d.Amount), Status: depositStatus(d, now),
		StatusAt: depositStatusAt(d, now).UTC().Format(utcLayout), SN: "N/A", Note: depositNote(d, now), WebhookSent: false,
		CreatedAt: d.CreatedAt.UTC().Format(utcLayout), InvoiceURL: h.invoiceURL(r, ref), ExpiredAt: d.ExpiresAt.UTC().Format(utcLayout)})
}

// lookupDeposit finds the deposit a reference names, among resellerID's deposits (0:
// anyone's, for the public invoice page); like lookup, anything else is "not found".
func (h *handler) lookupDeposit(ctx context.Context, ref string, resellerID int64) (*loket.Deposit, error) {
	id, isDeposit, okRef := parseReference(ref)
	if !okRef || !isDeposit {
		return nil, errNoTransaction
	}
	d, err := h.svc.Deposits.Deposit(ctx, id, resellerID)
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return nil, errNoTransaction
	}
	if err != nil {
		return nil, err
	}
	if !sameReference(h.depositRef(d), ref) {
		return nil, errNoTransaction
	}
	return d, nil
}
