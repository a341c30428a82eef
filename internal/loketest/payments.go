package loketest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/payment/qris"
	"github.com/loket/loket/internal/server"
)

// StaticQRIS is a valid static merchant QRIS (correct CRC) naming no real merchant.
func StaticQRIS() string {
	tlv := func(id, v string) string { return fmt.Sprintf("%s%02d%s", id, len(v), v) }
	account := tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936000000000000001") + tlv("02", "ID1020000000001") + tlv("03", "UMI")
	body := tlv("00", "01") + tlv("01", "11") + tlv("26", account) + tlv("52", "5999") + tlv("53", "360") + tlv("58", "ID") +
		tlv("59", "LOKET TEST") + tlv("60", "JAKARTA") + "6304"
	return body + qris.CRC(body)
}

// SetupPayments makes deposits possible on s: the static QRIS and two bank accounts.
func SetupPayments(t testing.TB, s *server.Server) {
	t.Helper()
	ctx := context.Background()
	if err := s.Core.Deposits.SetStaticQRIS(ctx, StaticQRIS()); err != nil {
		t.Fatal(err)
	}
	for _, b := range []loket.BankAccount{{Bank: "BCA", AccountNo: "1234567890", Beneficiary: "Loket Test"},
		{Bank: "Mandiri", AccountNo: "0987654321", Beneficiary: "Loket Test"}} {
		if _, err := s.Core.Deposits.AddBankAccount(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
}

// Pay records a payment of amount, as a payment source would report it; it returns
// the deposit it paid, if any.
func Pay(t testing.TB, s *server.Server, method string, amount loket.Money) *loket.Deposit {
	t.Helper()
	out, err := s.Core.Deposits.RecordPayment(context.Background(), loket.Payment{Source: "test", Ref: fmt.Sprintf("pay-%d", time.Now().UnixNano()),
		Method: method, Amount: amount, Brand: "DANA", PaidAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return out.Deposit
}
