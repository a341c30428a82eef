package digiflazz

import (
	"strings"
	"time"

	"github.com/loket/loket/internal/supplier"
)

// rcClass says what a Digiflazz response code proves about an order. The table
// follows the buyer "Response Code" page (developer.digiflazz.com/api/buyer/response-code),
// whose column "Terbentuk Transaksi" (was a transaction formed) decides most of it;
// see docs/supplier-digiflazz.md for the reasoning per code.
type rcClass int

const (
	// rcUndocumented: not in the table; never final.
	rcUndocumented rcClass = iota
	rcSuccess
	rcPending
	// rcFormedFailed: a transaction was formed and Digiflazz failed it for a reason
	// that means it was not delivered (wrong number, product down, cut-off...).
	rcFormedFailed
	// rcRejected: the request was refused before any transaction was formed
	// (bad signature, balance, SKU...). Proof of no delivery only for the request
	// that got it, so only when placing.
	rcRejected
	// rcLimited: a rate limit ("try again in a minute"); may describe the check itself.
	rcLimited
	// rcInconclusive: documented, but does not prove the order's fate: timeouts,
	// "transaction not found", ref_id conflicts.
	rcInconclusive
)

type rcInfo struct {
	class rcClass
	text  string // the documented message, for operators
}

// rcTable is the buyer response-code table as documented (status column in comments).
var rcTable = map[string]rcInfo{
	"00": {rcSuccess, "Transaksi Sukses"},                                     // Sukses
	"01": {rcInconclusive, "Timeout"},                                         // Gagal, formed
	"02": {rcFormedFailed, "Transaksi Gagal"},                                 // Gagal, formed
	"03": {rcPending, "Transaksi Pending"},                                    // Pending
	"40": {rcRejected, "Payload Error"},                                       // Gagal, not formed
	"41": {rcRejected, "Signature tidak valid"},                               // Gagal, not formed
	"42": {rcRejected, "Gagal memproses API Buyer"},                           // Gagal, not formed
	"43": {rcRejected, "SKU tidak di temukan atau Non-Aktif"},                 // Gagal, not formed
	"44": {rcRejected, "Saldo tidak cukup"},                                   // Gagal, not formed
	"45": {rcRejected, "IP Anda tidak kami kenali"},                           // Gagal, not formed
	"47": {rcInconclusive, "Transaksi sudah terjadi di buyer lain"},           // Gagal, not formed
	"49": {rcInconclusive, "Ref ID tidak unik"},                               // Gagal, not formed
	"50": {rcInconclusive, "Transaksi Tidak Ditemukan"},                       // Gagal, formed
	"51": {rcFormedFailed, "Nomor Tujuan Diblokir"},                           // Gagal, formed
	"52": {rcFormedFailed, "Prefix Tidak Sesuai Dengan Operator"},             // Gagal, formed
	"53": {rcFormedFailed, "Produk Seller Sedang Tidak Tersedia"},             // Gagal, formed
	"54": {rcFormedFailed, "Nomor Tujuan Salah"},                              // Gagal, formed
	"55": {rcFormedFailed, "Produk Sedang Gangguan"},                          // Gagal, formed
	"56": {rcRejected, "Limit saldo seller"},                                  // Gagal, not formed (deprecated)
	"57": {rcFormedFailed, "Jumlah Digit Kurang Atau Lebih"},                  // Gagal, formed
	"58": {rcFormedFailed, "Sedang Cut Off"},                                  // Gagal, formed
	"59": {rcFormedFailed, "Tujuan di Luar Wilayah/Cluster"},                  // Gagal, formed
	"60": {rcFormedFailed, "Tagihan belum tersedia"},                          // Gagal, formed
	"61": {rcRejected, "Belum pernah melakukan deposit"},                      // Gagal, not formed
	"62": {rcRejected, "Seller sedang mengalami gangguan"},                    // Gagal, not formed
	"63": {rcRejected, "Tidak support transaksi multi"},                       // Gagal, not formed
	"64": {rcRejected, "Tarik tiket gagal"},                                   // Gagal, not formed
	"65": {rcRejected, "Limit transaksi multi"},                               // Gagal, not formed (deprecated)
	"66": {rcRejected, "Cut Off (Perbaikan Sistem Seller)"},                   // Gagal, not formed
	"67": {rcRejected, "Seller belum ter-verfikasi"},                          // Gagal, not formed
	"68": {rcRejected, "Stok habis"},                                          // Gagal, not formed
	"69": {rcRejected, "Harga seller lebih besar dari ketentuan harga Buyer"}, // Gagal, not formed
	"70": {rcInconclusive, "Timeout Dari Biller"},                             // Gagal, formed
	"71": {rcFormedFailed, "Produk Sedang Tidak Stabil"},                      // Gagal, formed
	"72": {rcFormedFailed, "Lakukan Unreg Paket Dahulu"},                      // Gagal, formed
	"73": {rcFormedFailed, "Kwh Melebihi Batas"},                              // Gagal, formed
	"74": {rcFormedFailed, "Transaksi Refund"},                                // Gagal, formed
	"80": {rcRejected, "Akun Anda telah diblokir oleh Seller"},                // Gagal, not formed
	"81": {rcRejected, "Seller ini telah diblokir oleh Anda"},                 // Gagal, not formed
	"82": {rcRejected, "Akun Anda belum ter-verfikasi"},                       // Gagal, not formed
	"83": {rcInconclusive, "Limitasi pengecekan pricelist"},                   // Gagal, not formed
	"84": {rcFormedFailed, "Nominal tidak valid"},                             // Gagal, formed
	"85": {rcLimited, "Limitasi transaksi tercapai"},                          // Gagal, formed
	"86": {rcLimited, "Limitasi pengecekan nomor PLN tercapai"},               // Gagal, formed
	"87": {rcRejected, "Transaksi E-money wajib kelipatan Rp 1.000"},          // Gagal, not formed
	"88": {rcRejected, "Akun Anda tidak dapat melakukan aksi ini"},            // Gagal, not formed
	"99": {rcPending, "DF Router Issue"},                                      // Pending, formed
}

// phase is what the answer being read replies to.
type phase int

const (
	// placing: the answer to Order. A refusal is about this very request.
	placing phase = iota
	// checking: the answer to Status, a re-send of the same request. A refusal may be
	// about the re-send (changed key, IP, balance) and says nothing of the order.
	checking
	// pushed: a webhook describing the transaction itself.
	pushed
)

// recheckAfter is how long to wait before asking again: the docs ask not to repeat a
// request for the same transaction within a minute.
const recheckAfter = time.Minute

// decide maps Digiflazz's status word and rc to an outcome. Failed only when the answer
// proves the order was not and will not be delivered; anything doubtful is Unknown.
func decide(status, rc string, ph phase) (supplier.Outcome, time.Duration) {
	info, known := rcTable[rc]
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "sukses", "success":
		if rc == "00" {
			return supplier.Success, 0
		}
		return supplier.Unknown, recheckAfter
	case "pending", "processing", "proses":
		return supplier.Pending, recheckAfter
	case "gagal", "failed":
		if !known {
			return supplier.Unknown, recheckAfter
		}
		switch info.class {
		case rcFormedFailed:
			return supplier.Failed, 0
		case rcRejected:
			if ph == placing {
				return supplier.Failed, 0
			}
		case rcLimited:
			if ph == pushed {
				return supplier.Failed, 0
			}
		}
		return supplier.Unknown, recheckAfter
	}
	return supplier.Unknown, recheckAfter
}

// rcText is the documented meaning of rc, or "".
func rcText(rc string) string { return rcTable[rc].text }

// wrongNumber are the codes that say the customer number belongs to no one.
var wrongNumber = map[string]bool{"54": true, "57": true}

// inquiryOutcome maps an inq-pasca answer to what it says of the bill. known is false
// when the answer settles nothing (pending, a timeout, a rate limit, an undocumented
// or inconclusive code): no usable answer. The rc table has no code for "already paid"
// or "over the limit" on a bill, so those are read from the message as well.
func inquiryOutcome(status, rc, message string) (out supplier.InquiryOutcome, known bool) {
	info, documented := rcTable[rc]
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "sukses", "success":
		return supplier.BillFound, rc == "00"
	case "gagal", "failed":
	default:
		return "", false
	}
	msg := strings.ToLower(message)
	switch {
	case !documented:
		return "", false
	case info.class == rcSuccess || info.class == rcPending:
		return "", false
	case strings.Contains(msg, "sudah terbayar") || strings.Contains(msg, "sudah dibayar") || strings.Contains(msg, "lunas"):
		return supplier.BillPaid, true
	case rc == "60":
		return supplier.NoBill, true
	case wrongNumber[rc]:
		return supplier.WrongCustomer, true
	case rc == "73" || strings.Contains(msg, "melebihi batas") || strings.Contains(msg, "melebihi limit"):
		return supplier.OverLimit, true
	case info.class == rcFormedFailed || info.class == rcRejected:
		return supplier.InquiryFailed, true
	}
	return "", false
}
