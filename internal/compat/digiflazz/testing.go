package digiflazz

import (
	"net/http"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// Testing mode (docs: Topup, "testing"; Test Case): a top-up with "testing": true is
// checked as any other (signature, SKU, max_price) and answered as Digiflazz's test
// cases are, but moves no money, asks no supplier and writes nothing: no order, no
// ledger entry, no webhook. A reseller can build against a live Loket with it.

// testSN is the serial number of a successful test, the one Digiflazz's examples show.
const testSN = "1234567890"

// testCases are Digiflazz's documented prepaid test numbers and what they answer.
// Pending ones stay pending: nothing is kept, so a later check cannot turn them.
var testCases = map[string]string{
	"087800001230": statusSuccess, // Sukses
	"087800001232": statusFailed,  // Gagal
	"087800001233": statusPending, // Pending, then Sukses
	"087800001234": statusPending, // Pending, then Gagal
}

// testStatus is what a test top-up to customerNo answers: a documented test number
// as documented, any other by its last digit as Loket's simulator does (0 Sukses, 2
// Gagal, anything else Pending), so the documented numbers and the simulator agree.
func testStatus(customerNo string) string {
	customerNo = strings.TrimSpace(customerNo)
	if s, ok := testCases[customerNo]; ok {
		return s
	}
	switch customerNo[len(customerNo)-1] {
	case '0':
		return statusSuccess
	case '2':
		return statusFailed
	}
	return statusPending
}

func (h *handler) testTrx(w http.ResponseWriter, r *http.Request, ra *loket.ResellerAuth, t trxRequest) {
	balance := h.balanceOf(r.Context(), ra)
	p, err := h.svc.Catalog.Product(t.sku, ra.Level)
	if err == nil && p.Postpaid() {
		err = &loket.Error{Code: loket.EPRODUCT, Field: "buyer_sku_code", Reason: loket.ReasonPostpaid, Message: "a postpaid bill"}
	}
	if err == nil && !p.Active {
		err = loket.FieldError(loket.EINACTIVE, "buyer_sku_code", "product %s is not available now", p.Code)
	}
	if err == nil && t.maxPrice > 0 && p.Price > t.maxPrice {
		err = loket.FieldError(loket.EPRICE, "max_price", "price %d is above max_price %d", p.Price, t.maxPrice)
	}
	if err != nil {
		h.failTrx(w, t, err, balance)
		return
	}
	d := trxData{RefID: t.refID, CustomerNo: t.customerNo, BuyerSKUCode: p.Code, BuyerLastSaldo: balance, Price: p.Price}
	switch d.Status = testStatus(t.customerNo); d.Status {
	case statusSuccess:
		d.RC, d.Message, d.SN = rcSuccess, messageSuccess, testSN
	case statusFailed:
		d.RC, d.Message = rcWrongNumber, "Nomor Tujuan Salah"
	default:
		d.RC, d.Message = rcPending, messagePending
	}
	ok(w, d)
}
