package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/payment/qris"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

type demoCredentials struct {
	AdminUser     string `json:"admin_user"`
	AdminPassword string `json:"admin_password"`
	Reseller      string `json:"reseller"`
	// ResellerPassword signs the demo reseller in to the dashboard (/login).
	ResellerPassword string `json:"reseller_password,omitempty"`
	APIKey           string `json:"api_key"`
	SecretKey        string `json:"secret_key"`
}

// loadDemo loads the demo dataset idempotently: the catalog, an admin and a reseller
// with a balance. The credentials are made once and kept, so every start prints the
// same ones.
func loadDemo(ctx context.Context, cfg *config.Config, db *store.DB) (*demoCredentials, error) {
	if _, err := catalog.LoadDemo(ctx, db); err != nil {
		return nil, err
	}
	a, err := server.NewCore(ctx, db, newLogger(cfg.LogFormat, io.Discard), metrics.NewRegistry(), cfg)
	if err != nil {
		return nil, err
	}
	if v, err := db.Setting(ctx, "qris.static"); err != nil {
		return nil, err
	} else if v == "" {
		if err := a.Deposits.SetStaticQRIS(ctx, demoQRIS()); err != nil {
			return nil, fmt.Errorf("demo QRIS: %w", err)
		}
	}
	if u, err := a.Deposits.USDT(ctx); err != nil {
		return nil, err
	} else if u.Address == "" {
		if err := a.Deposits.SetUSDT(ctx, loket.USDTConfig{Address: demoUSDTAddress, Rate: 16250}); err != nil {
			return nil, fmt.Errorf("demo USDT: %w", err)
		}
	}
	if err := demoBanks(ctx, a); err != nil {
		return nil, err
	}
	// The demo lets resellers register themselves (seed 004's auth/register); serve
	// does not unless the operator turns it on. An operator's own choice stays.
	if _, err := db.SetSettingIfAbsent(ctx, loket.SettingSelfRegistration, "on"); err != nil {
		return nil, err
	}
	if raw, err := db.Setting(ctx, server.DemoCredentialsSetting); err != nil {
		return nil, err
	} else if raw != "" {
		var c demoCredentials
		if plain, err := a.Sealer.Open(raw); err == nil && json.Unmarshal([]byte(plain), &c) == nil {
			return &c, nil
		}
	}
	c := &demoCredentials{AdminUser: "admin", AdminPassword: auth.RandomCode(12), Reseller: "demo", ResellerPassword: auth.RandomCode(12)}
	if err := a.Resellers.CreateAdmin(ctx, c.AdminUser, c.AdminPassword); err != nil {
		return nil, err
	}
	r, err := db.Reseller(ctx, 0, c.Reseller)
	if err == nil {
		creds, err := a.Resellers.RegenerateKeys(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		c.APIKey, c.SecretKey = creds.APIKey, creds.SecretKey
	} else {
		_, creds, err := a.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: c.Reseller, Name: "Demo Reseller", Level: "reseller", Balance: 1_000_000})
		if err != nil {
			return nil, err
		}
		c.APIKey, c.SecretKey = creds.APIKey, creds.SecretKey
	}
	if r, err := db.Reseller(ctx, 0, c.Reseller); err == nil {
		if err := a.Resellers.SetPassword(ctx, r.ID, c.ResellerPassword); err != nil {
			return nil, err
		}
	}
	b, _ := json.Marshal(c)
	if err := db.SetSetting(ctx, server.DemoCredentialsSetting, a.Sealer.Seal(string(b))); err != nil {
		return nil, err
	}
	return c, nil
}

// demoUSDTAddress is where the demo's USDT deposits are sent, on its simulated chain
// (/sim/tron): a well-formed TRON address that nobody holds.
const demoUSDTAddress = "TKrZTLhTuSJ9AafJJyNuWPHbWnoDPbth77"

// demoQRIS is a static merchant QRIS for the demo's deposits: well-formed, with a
// valid CRC, naming a merchant that does not exist.
func demoQRIS() string {
	tlv := func(id, v string) string { return fmt.Sprintf("%s%02d%s", id, len(v), v) }
	account := tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936000000000000001") + tlv("02", "ID1020000000001") + tlv("03", "UMI")
	body := tlv("00", "01") + tlv("01", "11") + tlv("26", account) + tlv("52", "5999") + tlv("53", "360") + tlv("58", "ID") +
		tlv("59", "LOKET DEMO") + tlv("60", "JAKARTA") + tlv("61", "10110") + "6304"
	return body + qris.CRC(body)
}

// demoBanks gives the demo the accounts of seed 002's deposit ticket example, BCA
// first (seed 001's deposit asks for via "bca"), unless it has bank accounts already,
// so that the seeds' bank deposit examples work.
func demoBanks(ctx context.Context, a *server.Core) error {
	if list, err := a.Deposits.BankAccounts(ctx); err != nil || len(list) > 0 {
		return err
	}
	for _, b := range []loket.BankAccount{{Bank: "BCA", AccountNo: "1234567890", Beneficiary: "LOKET DEMO"},
		{Bank: "Mandiri", AccountNo: "0987654321", Beneficiary: "LOKET DEMO"}} {
		if _, err := a.Deposits.AddBankAccount(ctx, b); err != nil {
			return fmt.Errorf("demo bank account: %w", err)
		}
	}
	return nil
}

func printDemo(w io.Writer, url string, c *demoCredentials) {
	fmt.Fprintf(w, `
Loket demo is running at %s
  dashboard:   %s/login   admin: %s / %s
  API docs:    %s/docs
  reseller:    %s%s
  API key:     %s
  secret key:  %s

Try:
  curl -s -H 'Authorization: Bearer %s' %s/v1/me
  curl -s -H 'Authorization: Bearer %s' -d '{"product":"HSA5","target":"081234567890","ref_id":"demo-1"}' %s/v1/orders

Top up by QRIS (the simulated payment source stands in for the bank):
  curl -s -H 'Authorization: Bearer %[8]s' -d '{"method":"qris","amount":50000}' %[1]s/v1/deposits
  curl -s -d '{"amount": <total from the answer>, "brand_name": "DANA"}' %[1]s/sim/orderkuota/pay

Top up by USDT TRC-20 (seed 000's method; the simulated chain stands in for TRON):
  curl -s -H 'x-api-key: %[8]s' -d '{"amount":50000,"method":"usdt-trc-20"}' %[1]s/compat/warungnokos/api/deposit/create
  curl -s -d '{"amount":"<amount_usdt from the answer>"}' %[1]s/sim/tron/send

Dropship: your customer pays the QRIS, the margin goes to your profit balance:
  curl -s -H 'Authorization: Bearer %[8]s' -d '{"product":"HSA5","target":"081234567890","ref_id":"ds-1","selling_price":7000}' %[1]s/v1/orders
  curl -s -d '{"amount": <dropship.payment.amount>, "brand_name": "DANA"}' %[1]s/sim/orderkuota/pay
  (dropship.payment.invoice_url is the customer's page)

Rent a virtual number (WhatsApp, Indonesia); its code arrives within LOKET_SIM_DELAY:
  curl -s -H 'Authorization: Bearer %[8]s' -d '{"service":14,"number_id":340437,"provider_id":"3837"}' %[1]s/v1/numbers
  curl -s -H 'Authorization: Bearer %[8]s' %[1]s/v1/numbers/<id>        (then POST .../done, or .../cancel before a code)

Check a PLN postpaid bill (free), pay it (once: paying the same bill again returns that order),
and look a PLN meter up before buying a token (docs/bills.md; bills follow docs/simulator-bills.md):
  curl -s -H 'Authorization: Bearer %[8]s' -d '{"product":"pln","customer_no":"530000000001"}' %[1]s/v1/bills/inquiry
  curl -s -H 'Authorization: Bearer %[8]s' -d '{"inquiry_id":<inquiry_id>,"ref_id":"bill-1"}' %[1]s/v1/bills/pay
  curl -s -H 'Authorization: Bearer %[8]s' '%[1]s/v1/pln/check?customer_no=12345678901'

Digiflazz programs: base URL %[1]s/compat/digiflazz/v1, username %[6]s, key = the secret key above
(docs/compat-digiflazz.md; "testing": true answers as Digiflazz's test cases and writes nothing).

The simulator decides by the target's last digit: 0 success, 2 failure, 3 pending then success,
4 pending then failure, 5 no answer (a status check later finds it successful).
`, url, url, c.AdminUser, c.AdminPassword, url, c.Reseller, resellerLogin(c), c.APIKey, c.SecretKey, c.APIKey, url, c.APIKey, url)
	_ = os.Stdout
}

// resellerLogin is the demo reseller's dashboard password, as printed after its name.
func resellerLogin(c *demoCredentials) string {
	if c.ResellerPassword == "" {
		return "   (dashboard password: set one on its page in /admin/resellers)"
	}
	return " / " + c.ResellerPassword + "   (dashboard login, as reseller)"
}
