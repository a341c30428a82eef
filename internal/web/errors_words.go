package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// errorWords are the pages' Indonesian sentences for the domain's refusals, by code
// (a %s is the field, in fieldWords' words). The domain's own messages are English:
// they are what the English pages show, with their detail; the Indonesian pages show
// these, so that nobody reading Bahasa Indonesia meets "amount must be between".
var errorWords = map[string]string{
	loket.EINVALID:       "Isian %s tidak valid. Periksa lalu coba lagi.",
	loket.EFIELD:         "Isian %s tidak valid. Periksa lalu coba lagi.",
	loket.ENOTFOUND:      "Data yang dicari tidak ditemukan.",
	loket.ECONFLICT:      "Tidak bisa dilakukan karena keadaannya sudah berubah. Muat ulang halaman lalu periksa lagi.",
	loket.EFORBIDDEN:     "Tindakan ini tidak diizinkan untuk akun ini.",
	loket.EUNAUTHORIZED:  "Username atau password salah.",
	loket.EINSUFFICIENT:  "Saldo tidak cukup. Isi saldo dulu.",
	loket.EPRODUCT:       "Produk tidak dikenal. Pilih produk dari daftar.",
	loket.EINACTIVE:      "Produk ini sedang tidak tersedia.",
	loket.EOUTOFSTOCK:    "Stok produk ini sedang kosong.",
	loket.ETARGET:        "Nomor tujuan tidak sesuai untuk produk ini.",
	loket.EPRICE:         "Harga produk melebihi batas harga maksimal yang Anda tetapkan.",
	loket.EDUPLICATE:     "Pesanan yang sama untuk nomor ini masih diproses. Tunggu hasilnya dulu.",
	loket.ETOOLARGE:      "Data yang dikirim terlalu besar.",
	loket.ERATELIMIT:     "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
	loket.EUNAVAILABLE:   "Belum bisa diproses sekarang. Coba lagi nanti.",
	loket.ENOTCONFIGURED: "Operator belum menyiapkan fitur ini.",
	loket.ELIMIT:         "Batas sudah tercapai. Selesaikan atau batalkan yang masih terbuka dulu.",
	loket.ENOBILL:        "Tidak ada tagihan yang perlu dibayar untuk nomor pelanggan ini.",
	loket.EBILLPAID:      "Tagihan ini sudah dibayar.",
	loket.ECUSTOMER:      "Nomor pelanggan tidak ditemukan.",
	loket.EOVERLIMIT:     "Tagihan ini melebihi batas satu kali pembayaran.",
	loket.EEXPIRED:       "Cek tagihan sudah kedaluwarsa. Cek ulang tagihannya.",
	loket.EAMOUNT:        "Jumlah tagihan berubah. Cek ulang tagihannya.",
}

// fieldWords are the Indonesian names of the fields errors name.
var fieldWords = map[string]string{
	"amount": "jumlah", "target": "nomor tujuan", "note": "catatan", "product": "produk", "code": "kode",
	"scope": "cakupan", "markup": "markup", "cost": "modal", "priority": "prioritas", "supplier": "supplier",
	"customer_no": "nomor pelanggan", "username": "username", "password": "password", "email": "email",
	"name": "nama", "level": "level", "webhook_url": "URL webhook", "ip_allow": "IP yang diizinkan",
	"qris": "string QRIS", "bank": "bank", "account_no": "nomor rekening", "beneficiary": "atas nama",
	"method": "metode", "account_name": "atas nama", "ref_id": "ref ID", "tx": "hash transaksi",
	"selling_price": "harga jual", "base_url": "URL supplier", "api_key": "API key", "kind": "jenis",
}

// errText is what a page says of an error: for a domain refusal, its sentence in the
// page's language (errorWords in Indonesian; the domain's message, with its detail,
// in English); a cut-off names the hour it ends, in WIB; anything else is a general
// sentence, its details only in the log.
func (h *Handler) errText(r *http.Request, err error) string {
	p := &page{Lang: lang(r)}
	code := loket.ErrorCode(err)
	if code == "" || code == loket.EINTERNAL {
		h.log.Error("dashboard", "err", err)
		return p.T("Terjadi kesalahan. Coba lagi nanti.")
	}
	if f, ok := textRefusals[loket.ErrorReason(err)]; ok {
		return p.Tf(f, loket.ErrorField(err), loket.ErrorMax(err))
	}
	if at := loket.ErrorRetryAt(err); loket.ErrorReason(err) == loket.ReasonCutOff && !at.IsZero() {
		return p.Tf("Produk ini sedang tutup (cut-off) sampai %s WIB.", at.In(wib).Format("15:04"))
	}
	if p.Lang == "en" {
		return loket.ErrorMessage(err)
	}
	f, ok := errorWords[code]
	if !ok {
		return loket.ErrorMessage(err)
	}
	field := loket.ErrorField(err)
	if w, ok := fieldWords[field]; ok {
		field = w
	}
	if field == "" {
		field = "formulir"
	}
	if strings.Contains(f, "%s") {
		return fmt.Sprintf(f, field)
	}
	return f
}
