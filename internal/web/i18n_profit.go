package web

// The messages of the profit, withdrawal and dropship refund pages (profit.go).
func init() {
	for k, v := range map[string]string{
		"Bank / e-wallet":                       "Bank / e-wallet",
		"Catat pengembalian":                    "Record the refund",
		"Customer":                              "Customer",
		"Dropship":                              "Dropship",
		"Harga jual":                            "Selling price",
		"Pembayaran":                            "Payment",
		"Profit reseller":                       "Reseller's profit",
		"Pengembalian dana":                     "Refund",
		"Dana customer yang harus dikembalikan": "Customer payments to pay back",
		"Dana sudah dikembalikan ke customer?":  "Has the customer been paid back?",
		"Dari pesanan dropship yang sukses.":    "From successful dropship orders.",
		"Dibayar":                               "Paid",
		"Dibayar pada":                          "Paid at",
		"Diputuskan":                            "Decided",
		"Jumlah tidak valid.":                   "The amount is not valid.",
		"Keputusan":                             "Decision",
		"Kirim permintaan penarikan?":           "Send the withdrawal request?",
		"Minimal %s. Operator mentransfer ke rekening atau e-wallet Anda, lalu menyetujui permintaan.": "At least %s. The operator transfers it to your bank or e-wallet account, then approves the request.",
		"Nomor rekening / HP":                                      "Account or phone number",
		"Penarikan disetujui.":                                     "Withdrawal approved.",
		"Penarikan ditolak; profit dikembalikan ke reseller.":      "Withdrawal rejected; the profit is back with the reseller.",
		"Penarikan profit menunggu":                                "Profit withdrawals waiting",
		"Penarikan terbaru":                                        "Latest withdrawals",
		"Pengembalian dana dicatat.":                               "Refund recorded.",
		"Permintaan penarikan":                                     "Withdrawal requests",
		"Permintaan penarikan dikirim; operator akan mentransfer.": "Withdrawal requested; the operator will transfer it.",
		"Pesanan dropship yang sudah dibayar customer tetapi gagal. Kembalikan dananya, lalu catat di sini.": "Dropship orders the customer paid that failed. Pay the customer back, then record it here.",
		"Pindahkan":                    "Move",
		"Pindahkan ke saldo":           "Move to balance",
		"Pindahkan profit ke saldo?":   "Move profit to your balance?",
		"Profit":                       "Profit",
		"Profit dipindahkan ke saldo.": "Profit moved to your balance.",
		"Referensi transfer / alasan":  "Transfer reference / reason",
		"Setujui":                      "Approve",
		"Simpan keputusan ini?":        "Save this decision?",
		"Sudah dikembalikan":           "Paid back",
		"Tarik profit":                 "Withdraw profit",
		"Tolak":                        "Reject",
		"Transfer dulu ke rekening reseller, lalu setujui dengan nomor referensi transfer. Menolak mengembalikan jumlahnya ke saldo profit reseller.": "Transfer to the reseller's account first, then approve with the transfer reference. Rejecting returns the amount to the reseller's profit balance.",
	} {
		english[k] = v
	}
}
