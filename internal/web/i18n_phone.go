package web

import (
	"strconv"
	"strings"
	"time"
)

// The words of the codes added for the phone-first pages (i18n_words.go), and of the
// deposits and price-history pages.
func init() {
	addEnglish(map[string]string{
		"Riwayat harga":                          "Price history",
		"Riwayat harga (dan batalkan perubahan)": "Price history (and undo a change)",
		"Perubahan":                              "Change",
		"Naik":                                   "Up",
		"Turun":                                  "Down",
		"Batalkan perubahan":                     "Undo this change",
		"Belum ada perubahan harga.":             "No price changes yet.",
		"termasuk produk yang berubah lagi sesudahnya":                "including products that changed again since",
		"Perubahan #%d dibatalkan; %d harga kembali (perubahan #%d).": "Change #%d undone; %d prices restored (change #%d).",
		"Setiap perubahan harga dasar tercatat: aturan markup, impor katalog, rute, sinkron harga supplier dan pembatalan. Membatalkan mengembalikan harga sebelum perubahan itu, sebagai perubahan baru; pratinjau ditampilkan dulu.": "Every change of base prices is recorded: markup rules, catalog imports, routes, suppliers' price syncs and undos. Undoing one restores the prices from before it, as a new change; a preview comes first.",
		"Pembatalan":                      "Undo of",
		"Aturan markup":                   "Markup rule",
		"Aturan markup dihapus":           "Markup rule deleted",
		"Impor katalog":                   "Catalog import",
		"Rute baru":                       "Route",
		"Sinkron harga dari":              "Price sync of",
		"md":                              "ms",
		"jam":                             "h",
		"menit":                           "min",
		"detik":                           "s",
		"%d dalam %s":                     "%d within %s",
		"Batas waktu pesanan menggantung": "Deadline of a pending order",
		"Jendela pesanan ganda":           "Double-order window",
		"Batas waktu jawaban supplier":    "Supplier answer timeout",
		"Saldo supplier rendah di bawah":  "Supplier balance low below",
		"Deposit QRIS":                    "QRIS deposit",
		"Deposit transfer bank":           "Bank-transfer deposit",
		"Deposit berlaku selama":          "A deposit is valid for",
		"Gagal masuk per username":        "Failed sign-ins per username",
		"Gagal masuk per alamat IP":       "Failed sign-ins per IP address",
		"Produk ini sedang tutup (cut-off) sampai %s WIB.": "This product is closed (cut-off) until %s WIB.",
		"Jumlah deposit %s harus antara %s dan %s.":        "A %s deposit must be between %s and %s.",
		"Harga jual harus angka rupiah, misalnya 5.500.":   "The selling price must be an amount in rupiah, for example 5,500.",
		"Harga jual ke pelanggan":                          "Selling price to the customer",
		"Pakai harga ini":                                  "Use this price",
		"Bagikan ke WhatsApp":                              "Share on WhatsApp",
		"Tanpa harga jual, struk memakai harga beli Anda. Isi harga jual agar pelanggan melihat harga Anda; harga ini tidak disimpan.": "Without a selling price the receipt shows your buying price. Type your selling price for your customer to see it; it is not stored.",
		"Cocok":                        "Matched",
		"Tidak cocok":                  "Unmatched",
		"Dikreditkan":                  "Credited",
		"Terkirim":                     "Delivered",
		"Gagal terkirim":               "Gave up",
		"Terdaftar":                    "Registered",
		"Pembayaran dropship menunggu": "Dropship payments awaited",
		"Konfirmasi pembayaran":        "Confirm payment",
		"Isi saldo reseller. Konfirmasi transfer bank (atau USDT) setelah dana terlihat di rekening; saldo bertambah sebesar jumlahnya.":                                                                                                                                   "Resellers' top-ups. Confirm a bank (or USDT) transfer once the money shows in the account; the balance grows by the amount.",
		"Pembayaran customer untuk pesanan dropship, bukan isi saldo: begitu dibayar, pesanannya diproses. Konfirmasi hanya jika Anda melihat pembayarannya masuk tetapi belum tercatat.":                                                                                  "Customers' payments for dropship orders, not top-ups: once paid, the order is processed. Confirm one only when you see its payment arrived but it was not recorded.",
		"Setiap deposit mendapat kode unik Rp 1–999 yang ditambahkan ke jumlahnya, supaya pembayaran Anda dikenali otomatis. Bayar tepat sejumlah totalnya. Saldo Anda bertambah sebesar jumlah yang Anda minta; kode unik adalah biaya layanan dan tidak masuk ke saldo.": "Each deposit gets a unique code of Rp 1–999 added to its amount, so that your payment is recognised automatically. Pay exactly the total. Your balance grows by the amount you asked for; the unique code is a service fee and is not added to the balance.",
		"Saldo bertambah %s; kode unik adalah biaya layanan yang membuat pembayaran ini dikenali otomatis. Bayar kurang atau lebih dari totalnya dan pembayaran tidak dikenali: hubungi operator.":                                                                         "Your balance grows by %s; the unique code is a service fee that lets this payment be recognised automatically. Pay less or more than the total and the payment is not recognised: contact the operator.",
	})
}

// percentBP writes basis points as a percentage the Indonesian way: 250 → "2,5%",
// 1000 → "10%", 125 → "1,25%".
func percentBP(bp int64) string {
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	s := sign + strconv.FormatInt(bp/100, 10)
	if frac := bp % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:] // two digits
		if f[1] == '0' {
			f = f[:1]
		}
		s += "," + f
	}
	return s + "%"
}

// Dur writes a duration as people read it: "30 menit", "1 jam 30 menit", "300 md"
// ("30 min", "1 h 30 min", "300 ms" in English), not Go's "30m0s".
func (p *page) Dur(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " " + p.T("md")
	}
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		word string
	}{{time.Hour, "jam"}, {time.Minute, "menit"}, {time.Second, "detik"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+p.T(u.word))
			d -= n * u.d
		}
	}
	return strings.Join(parts, " ")
}
