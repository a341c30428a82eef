package admin

import "github.com/loket/loket/internal/web"

// The English of the operator's pages' messages, keyed by their Indonesian text. The messages
// the core's pages or both page packages use are in the core's catalog
// (internal/web/i18n*.go).
func init() {
	web.AddEnglish(map[string]string{
		// Bills, the PLN meter and receipts.
		"Margin":          "Margin",
		"Modal supplier":  "Supplier's cost",
		"Komisi reseller": "Reseller's commission",
		"Harga reseller":  "Reseller's price",
		"tagihan":         "bill",

		// Chat.
		"Belum ada saluran: atur LOKET_TELEGRAM_TOKEN atau LOKET_XMPP_JID dan LOKET_XMPP_PASSWORD, lalu jalankan ulang.": "No channel yet: set LOKET_TELEGRAM_TOKEN or LOKET_XMPP_JID and LOKET_XMPP_PASSWORD, then restart.",
		"Chat operator untuk peringatan (telegram:ID atau xmpp:JID, pisahkan dengan koma)":                               "Operator chats for alerts (telegram:ID or xmpp:JID, comma-separated)",
		"Kirim pengumuman ini ke semua chat terhubung?":                                                                  "Send this notice to every linked chat?",
		"Kirim":                          "Send",
		"Pengaturan chat":                "Chat settings",
		"Pengumuman dikirim ke %d chat.": "Notice sent to %d chats.",
		"Pengumuman":                     "Notice",
		"Peringatan":                     "Alerts",
		"Pesan ke semua chat reseller yang terhubung":              "Message to every linked reseller chat",
		"Saluran aktif di node ini: %s.":                           "Channels on this node: %s.",
		"Tempat reseller mengirim pesan (ditampilkan ke reseller)": "Where resellers write (shown to them)",
		"Tulis chat operator sebagai telegram:ID atau xmpp:JID.":   "Write an operator chat as telegram:ID or xmpp:JID.",
		"pesanan macet":           "stuck orders",
		"saldo supplier rendah":   "low supplier balance",
		"supplier tidak menjawab": "supplier not answering",
		"Batas saldo rendah harus jumlah rupiah, misalnya 500.000.": "The low-balance threshold must be an amount in rupiah, for example 500,000.",
		"Batas saldo supplier rendah (kosong: %s)":                  "Low supplier balance threshold (empty: %s)",

		// The network of downlines.
		"Upline":                                "Upline",
		"operator":                              "operator",
		"Tingkat":                               "Level",
		"Periksa kedalaman, persen dan rupiah.": "Check the depth, percent and rupiah.",
		"Reseller yang membuat downline: downline membayar harga uplinenya ditambah markup upline; selisihnya masuk ke saldo profit upline saat pesanan sukses.": "Resellers that made downlines: a downline pays its upline's price plus the upline's markup; the difference goes to the upline's profit balance when the order succeeds.",
		"Batas jaringan": "Network limits",
		"Kedalaman: berapa tingkat downline di bawah reseller Anda (0: tidak ada downline). Markup: yang paling besar boleh dipasang upline untuk downlinenya.": "Depth: how many levels of downlines below your resellers (0: no downlines). Markup: the largest an upline may set for its downline.",
		"Kedalaman maksimal": "Maximum depth",
		"Markup maksimal %":  "Maximum markup %",
		"Markup maksimal Rp": "Maximum markup Rp",

		// Codes, deposits and price history.
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
		"Terdaftar":                       "Registered",
		"Pembayaran dropship menunggu":    "Dropship payments awaited",
		"Konfirmasi pembayaran":           "Confirm payment",
		"Isi saldo reseller. Konfirmasi transfer bank (atau USDT) setelah dana terlihat di rekening; saldo bertambah sebesar jumlahnya.":                                                  "Resellers' top-ups. Confirm a bank (or USDT) transfer once the money shows in the account; the balance grows by the amount.",
		"Pembayaran customer untuk pesanan dropship, bukan isi saldo: begitu dibayar, pesanannya diproses. Konfirmasi hanya jika Anda melihat pembayarannya masuk tetapi belum tercatat.": "Customers' payments for dropship orders, not top-ups: once paid, the order is processed. Confirm one only when you see its payment arrived but it was not recorded.",

		// The markup preview.
		"Pratinjau perubahan harga":     "Price change preview",
		"Sebelum":                       "Before",
		"Sesudah":                       "After",
		"Terapkan":                      "Apply",
		"Tidak ada harga yang berubah.": "No price changes.",
		"%d harga tercakup (produk atau nomor virtual): %d naik, %d turun, %d tetap. Belum ada yang berubah.": "%d prices covered (products or virtual numbers): %d up, %d down, %d unchanged. Nothing has changed yet.",

		// Profit, withdrawals and dropship refunds.
		"Catat pengembalian":                   "Record the refund",
		"Dropship":                             "Dropship",
		"Harga jual":                           "Selling price",
		"Pembayaran":                           "Payment",
		"Profit reseller":                      "Reseller's profit",
		"Pengembalian dana":                    "Refund",
		"Dana sudah dikembalikan ke customer?": "Has the customer been paid back?",
		"Dibayar pada":                         "Paid at",
		"Diputuskan":                           "Decided",
		"Keputusan":                            "Decision",
		"Penarikan disetujui.":                 "Withdrawal approved.",
		"Penarikan ditolak; profit dikembalikan ke reseller.": "Withdrawal rejected; the profit is back with the reseller.",
		"Penarikan profit menunggu":                           "Profit withdrawals waiting",
		"Penarikan terbaru":                                   "Latest withdrawals",
		"Pengembalian dana dicatat.":                          "Refund recorded.",
		"Pesanan dropship yang sudah dibayar customer tetapi gagal. Kembalikan dananya, lalu catat di sini.": "Dropship orders the customer paid that failed. Pay the customer back, then record it here.",
		"Referensi transfer / alasan": "Transfer reference / reason",
		"Setujui":                     "Approve",
		"Simpan keputusan ini?":       "Save this decision?",
		"Sudah dikembalikan":          "Paid back",
		"Tolak":                       "Reject",
		"Transfer dulu ke rekening reseller, lalu setujui dengan nomor referensi transfer. Menolak mengembalikan jumlahnya ke saldo profit reseller.": "Transfer to the reseller's account first, then approve with the transfer reference. Rejecting returns the amount to the reseller's profit balance.",

		// Reports and the overview.
		"Dari":      "From",
		"Per":       "By",
		"Prabayar":  "Prepaid",
		"Sampai":    "To",
		"Tampilkan": "Show",
		"Tanggal":   "Date",
		"Total":     "Total",
		"Laporan tidak bisa dibuat: tanggal YYYY-MM-DD, dari tidak setelah sampai, paling lama %d hari.":                                 "The report cannot be made: dates as YYYY-MM-DD, from not after to, at most %d days.",
		"Pesanan sukses, tanggal WIB, kedua tanggal ikut. Tagihan dihitung terpisah dari prabayar: harganya sebagian besar uang biller.": "Successful orders, WIB dates, both days included. Bills are counted apart from prepaid: their price is mostly the biller's money.",
		"Tidak ada pesanan sukses pada rentang ini.":                           "No successful orders in this range.",
		"Dropship menunggu pembayaran":                                         "Dropship awaiting payment",
		"Pesanan dalam proses (semua hari)":                                    "Orders in process (all days)",
		"Dana dalam proses (semua hari)":                                       "Money in process (all days)",
		"Saldo di bawah %s ditandai rendah (batasnya diatur di menu Chat).":    "A balance below %s is marked low (the threshold is set on the Chat page).",
		"Penjualan prabayar sukses per hari (WIB); tagihan dihitung terpisah.": "Successful prepaid sales per day (WIB); bills are counted apart.",

		// The markup form's scope of virtual numbers.
		"nomor virtual (kode: layanan)": "virtual numbers (code: service)",
	})
}
