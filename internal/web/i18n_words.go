package web

// codeWords are the Indonesian words for the codes Loket stores and the pages show:
// states of orders, deposits, resellers, withdrawals and activations, and the kinds
// of ledger lines. A page shows one with .W, which also translates it to English by
// the switch; an unknown code is shown as it is. A reserve is how a purchase takes the
// money, so it reads as the purchase; its void as the refund.
var codeWords = map[string]string{
	"pending":   "Proses",
	"success":   "Sukses",
	"failed":    "Gagal",
	"active":    "Aktif",
	"suspended": "Ditangguhkan",
	"cancel":    "Dibatalkan",
	"canceled":  "Dibatalkan",
	"expired":   "Kedaluwarsa",
	"approved":  "Disetujui",
	"rejected":  "Ditolak",
	"renting":   "Menyewa",
	"waiting":   "Menunggu SMS",
	"received":  "SMS diterima",
	"done":      "Selesai",
	"matched":   "Cocok",
	"unmatched": "Tidak cocok",
	"credited":  "Dikreditkan",
	"delivered": "Terkirim",
	"gave_up":   "Gagal terkirim",
	"qris":      "QRIS",
	"bank":      "Transfer bank",
	"usdt":      "USDT",

	"deposit":            "Deposit",
	"adjustment":         "Penyesuaian",
	"order_reserve":      "Pembelian",
	"order_post":         "Pembelian selesai",
	"order_void":         "Pengembalian dana",
	"vn_reserve":         "Sewa nomor",
	"vn_post":            "Sewa nomor selesai",
	"vn_void":            "Pengembalian sewa nomor",
	"dropship_paid":      "Pembayaran dropship",
	"dropship_settle":    "Keuntungan dropship",
	"dropship_refund":    "Pengembalian dropship",
	"withdrawal_request": "Penarikan keuntungan",
	"withdrawal_approve": "Penarikan disetujui",
	"withdrawal_reject":  "Penarikan ditolak",
	"profit_to_balance":  "Keuntungan ke saldo",
}

// W is a stored code as people read it: its Indonesian word, or English by the switch.
func (p *page) W(code string) string {
	if w, ok := codeWords[code]; ok {
		return p.T(w)
	}
	return code
}
