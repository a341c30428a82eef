package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
)

// TestServicesRefuseBadText: the services are the last guard. Whatever an edge lets
// through, a string that would reach SQL holding NUL, invalid UTF-8, a control
// character or too many bytes is refused with a domain error (never EINTERNAL, which
// is what PostgreSQL's "invalid byte sequence" would become), and nothing is written.
func TestServicesRefuseBadText(t *testing.T) {
	t.Parallel()
	loketest.Each(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		c := loketest.Core(t, engine)
		svc := c.Services()
		ra := loketest.Buyer(t, c, "guard", 100_000)
		o, _, err := svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: "081234567894", RefID: "guard-1"})
		if err != nil {
			t.Fatal(err)
		}
		before, err := svc.Orders.Orders(ctx, loket.OrderFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		bads := []struct{ name, v string }{
			{"NUL", "ab\x00cd"},
			{"invalid UTF-8", "ab\xff\xfecd"},
			{"control character", "ab\x1b[2Jcd"},
			{"oversized", strings.Repeat("x", 2*loket.MaxText)},
		}
		for _, bad := range bads {
			v := bad.v
			p := &v
			calls := []struct {
				name string
				long bool // takes more than the oversized text: only its content is refused
				call func() error
			}{
				{"Resellers.Reseller", false, func() error { _, err := svc.Resellers.Reseller(ctx, 0, v); return err }},
				{"Resellers.CreateReseller name", false, func() error {
					_, _, err := svc.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "guard_new", Name: v})
					return err
				}},
				{"Resellers.CreateReseller email", false, func() error {
					_, _, err := svc.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: "guard_new", Email: v})
					return err
				}},
				{"Resellers.UpdateReseller name", false, func() error { return svc.Resellers.UpdateReseller(ctx, ra.ID, loket.ResellerUpdate{Name: p}) }},
				{"Resellers.UpdateReseller webhook", false, func() error {
					return svc.Resellers.UpdateReseller(ctx, ra.ID, loket.ResellerUpdate{WebhookURL: p})
				}},
				{"Resellers.Credit note", false, func() error { _, err := svc.Resellers.Credit(ctx, ra.ID, 100, v, "guard-k"); return err }},
				{"Resellers.Credit key", false, func() error { _, err := svc.Resellers.Credit(ctx, ra.ID, 100, "note", v); return err }},
				{"Resellers.Login", false, func() error { _, err := svc.Resellers.Login(ctx, v, "password", "127.0.0.1"); return err }},
				{"Resellers.CreateAdmin", false, func() error { return svc.Resellers.CreateAdmin(ctx, v, "password-1") }},
				{"Resellers.AdminLogin", false, func() error { _, err := svc.Resellers.AdminLogin(ctx, v, "password-1", "127.0.0.1"); return err }},
				{"Catalog.AddSupplier name", false, func() error { _, err := svc.Catalog.AddSupplier(ctx, loket.Supplier{Name: v, Kind: "sim"}); return err }},
				{"Catalog.AddSupplier base_url", false, func() error {
					_, err := svc.Catalog.AddSupplier(ctx, loket.Supplier{Name: "guard", Kind: "socx", BaseURL: v})
					return err
				}},
				{"Catalog.AddRoute", false, func() error {
					_, err := svc.Catalog.AddRoute(ctx, loket.NewRoute{Product: "S5", Supplier: "sim", SupplierCode: v})
					return err
				}},
				{"Catalog.SetMarkupRule", false, func() error {
					_, err := svc.Catalog.SetMarkupRule(ctx, loket.MarkupRule{Scope: loket.ScopeProduct, ScopeCode: v, RoundTo: 1}, true)
					return err
				}},
				{"Catalog.DeleteMarkupRule", false, func() error { _, err := svc.Catalog.DeleteMarkupRule(ctx, loket.ScopeProduct, v, true); return err }},
				{"Catalog.SetLevel", false, func() error { return svc.Catalog.SetLevel(ctx, loket.Level{Name: v}) }},
				{"Catalog.Import", false, func() error {
					_, err := svc.Catalog.Import(ctx, strings.NewReader("categories:\n  - code: guard\n    name: "+yamlQuote(v)+"\n"), "guard.yaml")
					return err
				}},
				{"Orders.CreateOrder target", false, func() error {
					_, _, err := svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: v})
					return err
				}},
				{"Orders.CreateOrder ref_id", false, func() error {
					_, _, err := svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: "081234567895", RefID: v})
					return err
				}},
				{"Orders.CreateOrder fields", false, func() error {
					_, _, err := svc.Orders.CreateOrder(ctx, ra, loket.OrderRequest{Product: "MLBB-BJ-V3-ALLMLBB_ID_5", Target: "1122334450",
						Fields: map[string]string{"server": v}})
					return err
				}},
				{"Orders.OrderByRef", false, func() error { _, err := svc.Orders.OrderByRef(ctx, ra.ID, v); return err }},
				{"Orders.Orders ref_id", false, func() error { _, err := svc.Orders.Orders(ctx, loket.OrderFilter{RefID: v, Limit: 1}); return err }},
				{"Orders.Orders status", false, func() error { _, err := svc.Orders.Orders(ctx, loket.OrderFilter{Status: v, Limit: 1}); return err }},
				{"Orders.SettleByOperator sn", false, func() error { _, err := svc.Orders.SettleByOperator(ctx, o.ID, true, v, "note"); return err }},
				{"Orders.SettleByOperator note", false, func() error { _, err := svc.Orders.SettleByOperator(ctx, o.ID, false, "", v); return err }},
				{"Deposits.ConfirmDeposit", false, func() error { _, err := svc.Deposits.ConfirmDeposit(ctx, 1, v, ""); return err }},
				{"Deposits.CreditPayment", false, func() error { return svc.Deposits.CreditPayment(ctx, 1, ra.ID, v) }},
				{"Deposits.SetStaticQRIS", false, func() error { return svc.Deposits.SetStaticQRIS(ctx, v) }},
				{"Deposits.AddBankAccount", false, func() error {
					_, err := svc.Deposits.AddBankAccount(ctx, loket.BankAccount{Bank: "BCA", AccountNo: "123456", Beneficiary: v})
					return err
				}},
				{"Deposits.SetUSDT", false, func() error { return svc.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: v, Rate: 16_000}) }},
				{"Deposits.RecordPayment", false, func() error {
					_, err := svc.Deposits.RecordPayment(ctx, loket.Payment{Source: "guard", Ref: v, Amount: 1000, PaidAt: time.Now()})
					return err
				}},
				{"Numbers.OrderNumber provider_id", false, func() error {
					_, _, err := svc.Numbers.OrderNumber(ctx, ra, loket.NumberRequest{ServiceCode: 14, NumberID: 6, ProviderID: v})
					return err
				}},
				{"Numbers.OrderNumber operator_id", false, func() error {
					_, _, err := svc.Numbers.OrderNumber(ctx, ra, loket.NumberRequest{ServiceCode: 14, NumberID: 6, ProviderID: "3837", OperatorID: v})
					return err
				}},
				{"Numbers.ActivationByRef", false, func() error { _, err := svc.Numbers.ActivationByRef(ctx, ra.ID, v); return err }},
				{"Numbers.ListActivations", false, func() error {
					_, err := svc.Numbers.ListActivations(ctx, loket.ActivationFilter{State: v, Limit: 1})
					return err
				}},
				{"Numbers.ServicesAt", false, func() error { _, err := svc.Numbers.ServicesAt(ctx, 6, v); return err }},
				{"Numbers.Operators country", false, func() error { _, err := svc.Numbers.Operators(ctx, v, "3837"); return err }},
				{"Numbers.Operators provider", false, func() error { _, err := svc.Numbers.Operators(ctx, "indonesia", v); return err }},
				{"Numbers.OperatorsAt", false, func() error { _, err := svc.Numbers.OperatorsAt(ctx, 6, v); return err }},
				{"Dropship.CreateDropshipOrder name", false, func() error {
					_, _, _, err := svc.Dropship.CreateDropshipOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: "081234567896"},
						loket.DropshipRequest{SellingPrice: 10_000, CustomerName: v})
					return err
				}},
				{"Dropship.CreateDropshipOrder phone", false, func() error {
					_, _, _, err := svc.Dropship.CreateDropshipOrder(ctx, ra, loket.OrderRequest{Product: "S5", Target: "081234567896"},
						loket.DropshipRequest{SellingPrice: 10_000, CustomerPhone: v})
					return err
				}},
				{"Dropship.ByToken", false, func() error { _, _, err := svc.Dropship.ByToken(ctx, o.ID, v); return err }},
				{"Dropship.RefundDropship", false, func() error { _, err := svc.Dropship.RefundDropship(ctx, o.ID, v); return err }},
				{"Dropship.RequestWithdrawal key", false, func() error {
					_, _, err := svc.Dropship.RequestWithdrawal(ctx, ra, loket.WithdrawalInput{Key: v, Amount: 10_000, Method: "BCA",
						AccountNo: "1234567890", AccountName: "Budi"})
					return err
				}},
				{"Dropship.RequestWithdrawal method", false, func() error {
					_, _, err := svc.Dropship.RequestWithdrawal(ctx, ra, loket.WithdrawalInput{Key: "k", Amount: 10_000, Method: v,
						AccountNo: "1234567890", AccountName: "Budi"})
					return err
				}},
				{"Dropship.RequestWithdrawal account_name", false, func() error {
					_, _, err := svc.Dropship.RequestWithdrawal(ctx, ra, loket.WithdrawalInput{Key: "k", Amount: 10_000, Method: "BCA",
						AccountNo: "1234567890", AccountName: v})
					return err
				}},
				{"Dropship.DecideWithdrawal", false, func() error { _, err := svc.Dropship.DecideWithdrawal(ctx, 1, false, v); return err }},
				{"Dropship.Withdrawals", false, func() error { _, err := svc.Dropship.Withdrawals(ctx, loket.WithdrawalFilter{Status: v}); return err }},
				{"Dropship.MoveProfit", false, func() error { _, err := svc.Dropship.MoveProfit(ctx, ra, 1000, v); return err }},
				{"Webhooks.CheckURL", false, func() error { return svc.Webhooks.CheckURL(v) }},
				{"Reports.SearchOrders ref", false, func() error { _, err := svc.Reports.SearchOrders(ctx, loket.OrderSearch{Ref: v, Limit: 1}); return err }},
				{"Reports.SearchOrders target", false, func() error {
					_, err := svc.Reports.SearchOrders(ctx, loket.OrderSearch{Target: v, Limit: 1})
					return err
				}},
				{"Sessions.CreateWebSession", false, func() error {
					return svc.Sessions.CreateWebSession(ctx, "guard-digest", loket.WebSession{Kind: loket.SessionAdmin, SubjectID: 1, Username: "a",
						UserAgent: v, ExpiresAt: time.Now().Add(time.Hour)})
				}},
				{"Settings.Setting", false, func() error { _, err := svc.Settings.Setting(ctx, v); return err }},
				{"Settings.SetSetting key", false, func() error { return svc.Settings.SetSetting(ctx, v, "on") }},
				{"Settings.SetSetting value", true, func() error { return svc.Settings.SetSetting(ctx, "guard.value", v) }},
			}
			for _, call := range calls {
				if call.long && bad.name == "oversized" {
					continue
				}
				err := call.call()
				if err == nil || loket.ErrorCode(err) == loket.EINTERNAL {
					t.Errorf("%s with %s: %v, want a refusal", call.name, bad.name, err)
				}
			}
		}

		after, err := svc.Orders.Orders(ctx, loket.OrderFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(before) {
			t.Errorf("%d orders after the refusals, %d before", len(after), len(before))
		}
		if re, err := svc.Resellers.Reseller(ctx, ra.ID, ""); err != nil || re.Balance != 100_000-o.Price {
			t.Errorf("balance %v %v after the refusals, want %d", re, err, 100_000-o.Price)
		}
		if v, err := c.DB.Verify(ctx); err != nil || len(v) > 0 {
			t.Errorf("ledger: %v %v", v, err)
		}
	})
}

// yamlQuote writes s as a YAML double-quoted scalar: control characters escaped (YAML
// reads "\x00" as NUL), other bytes as they are.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
