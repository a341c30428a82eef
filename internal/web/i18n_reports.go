package web

// The messages of the reports page (admin_reports.go) and the overview's additions.
func init() {
	addEnglish(map[string]string{
		"Dari":      "From",
		"Laporan":   "Reports",
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
	})
}
