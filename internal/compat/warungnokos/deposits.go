package warungnokos

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/usdt"
)

// Deposit trxIds are "WN" and ten digits, as the seed shows them ("WN0000000050"), taken
// from their own number range: depositBase plus the Loket deposit id, so the first
// deposit is WN9000000001. Virtual-number orders (a later issue) keep the range below
// depositBase, and a trxId tells which kind it names without a lookup. A trxId is only
// looked up among the caller's own deposits (the API key scopes it), so it need not be
// unguessable. Past deposit id 999,999,999 the number grows to eleven digits and stays
// in the range.
const depositBase int64 = 9_000_000_000

// depositTrxID is the trxId of a Loket deposit.
func depositTrxID(id int64) string {
	return "WN" + strconv.FormatInt(depositBase+id, 10)
}

// depositID reads a deposit trxId ("WN9000000050", the letters in any case) back into
// the Loket deposit id; ok is false for anything else, order trxIds included.
func depositID(trx string) (int64, bool) {
	trx = strings.TrimSpace(trx)
	if len(trx) < 3 || !strings.EqualFold(trx[:2], "WN") {
		return 0, false
	}
	digits := trx[2:]
	if len(digits) < 10 || strings.Trim(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= depositBase {
		return 0, false
	}
	return n - depositBase, true
}

// wib is the time zone the seed writes local times in (created_at).
var wib = time.FixedZone("WIB", 7*3600)

// Deposit methods the seed names ("qris, usdt-trc-20, dll."), by what Loket makes of
// them: qris is Loket's QRIS deposit, usdt-trc-20 its USDT deposit (an exact USDT
// amount to the operator's TRC-20 address).
const (
	methodQRIS = "qris"
	methodUSDT = "usdt-trc-20"
)

// Messages of the deposit endpoints.
const (
	msgUSDTUnavailable = "Deposit usdt-trc-20 belum tersedia. Gunakan metode qris."
	msgQRISUnavailable = "Deposit QRIS belum tersedia. Hubungi admin untuk menambah saldo."
	msgTooManyPending  = "Maksimal 3 transaksi deposit pending. Bayar atau batalkan salah satu terlebih dahulu."
	msgCancelled       = "Deposit dibatalkan"
)

// depositStatus is the seed's word for a deposit's status: pending, success or cancel.
// An expired deposit (also one past its expiry that Loket has not swept yet) is
// "cancel": the seed has no other word for a bill that can no longer be paid.
func depositStatus(d *loket.Deposit, now time.Time) string {
	switch d.Status {
	case loket.DepositSuccess:
		return "success"
	case loket.DepositPending:
		if now.After(d.ExpiresAt) {
			return "cancel"
		}
		return "pending"
	}
	return "cancel"
}

type depositDetail struct {
	CreatedAt string      `json:"created_at"`
	Total     loket.Money `json:"total"`
	Fee       loket.Money `json:"fee"`
	Diterima  loket.Money `json:"diterima"`
	BrandName string      `json:"brand_name"`
	BuyerReff string      `json:"buyer_reff"`
}

// detailOf is the seed's detail object: the payer's brand (DANA, OVO...) and reference
// once paid; "QRIS" and "-" before that, as the seed's cancel example shows.
func detailOf(d *loket.Deposit) depositDetail {
	brand := d.Brand
	switch {
	case brand != "":
	case d.Method == loket.MethodUSDT:
		brand = usdt.Brand
	default:
		brand = strings.ToUpper(d.Method)
	}
	buyer := d.BuyerRef
	if buyer == "" {
		buyer = "-"
	}
	return depositDetail{CreatedAt: d.CreatedAt.In(wib).Format(time.DateTime), Total: d.Total, Fee: d.Fee(), Diterima: d.Amount,
		BrandName: brand, BuyerReff: buyer}
}

// depositError words the core's refusals of a deposit in the seed's language, keeping
// their codes (errorOf picks the HTTP status). amount is the requested amount, or 0.
func depositError(err error, amount loket.Money, method string) error {
	switch loket.ErrorCode(err) {
	case loket.EINVALID:
		if loket.ErrorField(err) == "amount" {
			if amount < minDeposit {
				return loket.FieldError(loket.EINVALID, "amount", "Minimal deposit adalah %d.", minDeposit)
			}
			return loket.FieldError(loket.EINVALID, "amount", "Jumlah deposit terlalu besar.")
		}
	case loket.ELIMIT:
		return loket.Errorf(loket.ELIMIT, msgTooManyPending)
	case loket.ENOTCONFIGURED:
		if method == loket.MethodUSDT {
			return loket.Errorf(loket.ENOTCONFIGURED, msgUSDTUnavailable)
		}
		return loket.Errorf(loket.ENOTCONFIGURED, msgQRISUnavailable)
	case loket.EUNAVAILABLE:
		return loket.Errorf(loket.EUNAVAILABLE, "Terlalu banyak deposit terbuka dengan jumlah ini; coba jumlah yang sedikit berbeda.")
	}
	return err
}

// depositCreate: POST deposit/create {amount, method}. The amount's limits (at least
// 2000, at most 3 pending) are the core's; this only reads the number.
func (h *handler) depositCreate(w http.ResponseWriter, r *http.Request, c *call) {
	raw := c.p.get("amount", "nominal")
	if raw == "" {
		h.fail(w, loket.FieldError(loket.EINVALID, "amount", "amount wajib diisi (minimal %d).", minDeposit))
		return
	}
	f, err := strconv.ParseFloat(raw, 64)
	switch {
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
		h.fail(w, loket.FieldError(loket.EINVALID, "amount", "amount harus berupa angka."))
		return
	case math.Abs(f) > float64(loket.MaxAmount):
		h.fail(w, loket.FieldError(loket.EINVALID, "amount", "Jumlah deposit terlalu besar."))
		return
	case f != math.Trunc(f):
		h.fail(w, loket.FieldError(loket.EINVALID, "amount", "amount harus berupa angka bulat (rupiah)."))
		return
	}
	amount := loket.Money(f)
	method := strings.ToLower(c.p.get("method"))
	core := loket.MethodQRIS
	switch method {
	case "", methodQRIS:
	case methodUSDT, "usdt", "usdt-trc20", "trc20":
		core = loket.MethodUSDT
	default:
		h.fail(w, loket.FieldError(loket.EINVALID, "method", "Metode deposit tidak dikenal: %q (pilih qris atau usdt-trc-20).", method))
		return
	}
	d, err := h.svc.Deposits.CreateDeposit(r.Context(), c.ra, core, amount, surface)
	if err != nil {
		h.fail(w, depositError(err, amount, core))
		return
	}
	if core == loket.MethodUSDT {
		// The seed shows only QRIS's answer; USDT's carries what to send and where.
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "trxId": depositTrxID(d.ID), "method": methodUSDT,
			"network": "TRC20", "address": d.PayTo, "amount_usdt": usdt.Format(d.PayMicroUSDT()), "total": d.Total,
			"expired_at": d.ExpiresAt.UnixMilli()})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "trxId": depositTrxID(d.ID), "qr_string": d.QRString,
		"qr_image": h.svc.Deposits.PublicQRURL(d), "total": d.Total, "expired_at": d.ExpiresAt.UnixMilli()})
}

// deposit loads the caller's deposit a trxId names: 400 without one, 404 when it is
// not a deposit trxId or not the caller's.
func (h *handler) deposit(r *http.Request, c *call, trx string) (*loket.Deposit, error) {
	if trx == "" {
		return nil, loket.FieldError(loket.EINVALID, "trxId", "trxId wajib diisi (contoh: WN9000000050).")
	}
	notFound := loket.Errorf(loket.ENOTFOUND, "Deposit %s tidak ditemukan.", trx)
	id, ok := depositID(trx)
	if !ok {
		return nil, notFound
	}
	d, err := h.svc.Deposits.Deposit(r.Context(), id, c.ra.ID)
	if loket.ErrorCode(err) == loket.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// depositStatus: GET deposit/status/{trxId}.
func (h *handler) depositStatus(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := h.deposit(r, c, c.arg(0, "trxId", "trx_id", "id"))
	if err != nil {
		h.fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "status": depositStatus(d, time.Now()), "amount": d.Amount,
		"detail": detailOf(d)})
}

// depositCancel: POST deposit/cancel {trxId}. Only a pending deposit within its time
// can be cancelled; a paid, cancelled or expired one is refused (409).
func (h *handler) depositCancel(w http.ResponseWriter, r *http.Request, c *call) {
	trx := c.p.get("trxId", "trx_id", "id")
	d, err := h.deposit(r, c, trx)
	if err != nil {
		h.fail(w, err)
		return
	}
	if err := notOpen(d, trx); err != nil {
		h.fail(w, err)
		return
	}
	d2, err := h.svc.Deposits.CancelDeposit(r.Context(), c.ra, d.ID)
	if err != nil {
		if loket.ErrorCode(err) == loket.ECONFLICT {
			// Paid or closed between the look-up and the cancel: say which.
			if now, err2 := h.svc.Deposits.Deposit(r.Context(), d.ID, c.ra.ID); err2 == nil {
				if e := notOpen(now, trx); e != nil {
					err = e
				}
			}
		}
		h.fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"success": true, "message": msgCancelled, "detail": detailOf(d2)})
}

// notOpen is why d cannot be cancelled, or nil when it can.
func notOpen(d *loket.Deposit, trx string) error {
	switch depositStatus(d, time.Now()) {
	case "success":
		return loket.Errorf(loket.ECONFLICT, "Deposit %s sudah dibayar dan tidak dapat dibatalkan.", trx)
	case "cancel":
		if d.Status == loket.DepositCancel {
			return loket.Errorf(loket.ECONFLICT, "Deposit %s sudah dibatalkan.", trx)
		}
		return loket.Errorf(loket.ECONFLICT, "Deposit %s sudah kedaluwarsa.", trx)
	}
	return nil
}
