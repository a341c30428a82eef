package loket

import (
	"fmt"
	"strings"
)

// errorWords are the Indonesian sentences for the domain's refusals, by code (a %s is
// the field, in fieldWords' words), for people: the dashboards and chat. The
// domain's own messages are English, with their detail, for programs and the English
// pages; nobody reading Bahasa Indonesia should meet "amount must be between".
var errorWords = map[string]string{
	EINVALID:       "Isian %s tidak valid. Periksa lalu coba lagi.",
	EFIELD:         "Isian %s tidak valid. Periksa lalu coba lagi.",
	ENOTFOUND:      "Data yang dicari tidak ditemukan.",
	ECONFLICT:      "Tidak bisa dilakukan karena keadaannya sudah berubah. Muat ulang halaman lalu periksa lagi.",
	EFORBIDDEN:     "Tindakan ini tidak diizinkan untuk akun ini.",
	EUNAUTHORIZED:  "Username atau password salah.",
	EINSUFFICIENT:  "Saldo tidak cukup. Isi saldo dulu.",
	EPRODUCT:       "Produk tidak dikenal. Pilih produk dari daftar.",
	EINACTIVE:      "Produk ini sedang tidak tersedia.",
	EOUTOFSTOCK:    "Stok produk ini sedang kosong.",
	ETARGET:        "Nomor tujuan tidak sesuai untuk produk ini.",
	EPRICE:         "Harga produk melebihi batas harga maksimal yang Anda tetapkan.",
	EDUPLICATE:     "Pesanan yang sama untuk nomor ini masih diproses. Tunggu hasilnya dulu.",
	ETOOLARGE:      "Data yang dikirim terlalu besar.",
	ERATELIMIT:     "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
	EUNAVAILABLE:   "Belum bisa diproses sekarang. Coba lagi nanti.",
	ENOTCONFIGURED: "Operator belum menyiapkan fitur ini.",
	ELIMIT:         "Batas sudah tercapai. Selesaikan atau batalkan yang masih terbuka dulu.",
	ENOBILL:        "Tidak ada tagihan yang perlu dibayar untuk nomor pelanggan ini.",
	EBILLPAID:      "Tagihan ini sudah dibayar.",
	ECUSTOMER:      "Nomor pelanggan tidak ditemukan.",
	EOVERLIMIT:     "Tagihan ini melebihi batas satu kali pembayaran.",
	EEXPIRED:       "Cek tagihan sudah kedaluwarsa. Cek ulang tagihannya.",
	EAMOUNT:        "Jumlah tagihan berubah. Cek ulang tagihannya.",
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

// ErrorSentence says a refusal in Indonesian for people: a sentence per code, naming
// the field in Indonesian; a cut-off names the hour it ends, in WIB; a text refused by
// CheckText says why. It returns "" for an error that is not a refusal (EINTERNAL,
// or no code): the caller says something general and logs it.
func ErrorSentence(err error) string {
	code := ErrorCode(err)
	if code == "" || code == EINTERNAL {
		return ""
	}
	field := ErrorField(err)
	if w, ok := fieldWords[field]; ok {
		field = w
	}
	switch ErrorReason(err) {
	case ReasonNotUTF8:
		return fmt.Sprintf("Kolom %s harus berupa teks UTF-8 yang valid.", field)
	case ReasonControl:
		return fmt.Sprintf("Kolom %s berisi karakter kontrol yang tidak diizinkan.", field)
	case ReasonTooLong:
		return fmt.Sprintf("Kolom %s terlalu panjang (maksimal %d byte).", field, ErrorMax(err))
	case ReasonCutOff:
		if at := ErrorRetryAt(err); !at.IsZero() {
			return fmt.Sprintf("Produk ini sedang tutup (cut-off) sampai %s WIB.", at.In(WIB).Format("15:04"))
		}
	}
	f, ok := errorWords[code]
	if !ok {
		return ErrorMessage(err)
	}
	if field == "" {
		field = "formulir"
	}
	if strings.Contains(f, "%s") {
		return fmt.Sprintf(f, field)
	}
	return f
}
