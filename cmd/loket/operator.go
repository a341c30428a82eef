package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/supplier"
)

func newApp(ctx context.Context, cfg *config.Config, db *store.DB) (*app.App, error) {
	return app.New(ctx, db, newLogger(cfg.LogFormat, os.Stderr), nil, server.AppConfig(cfg))
}

func operator(cmd string, args []string, out io.Writer) error {
	switch cmd {
	case "admin create":
		var username, password string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "")
			fs.StringVar(&password, "password", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if strings.TrimSpace(username) == "" || len(password) < 8 {
				return fmt.Errorf("admin create: --username and a --password of at least 8 characters are required")
			}
			h, err := auth.HashPassword(password)
			if err != nil {
				return err
			}
			if err := db.CreateAdmin(ctx, username, h); err != nil {
				return err
			}
			return printJSON(out, map[string]string{"username": username})
		})

	case "reseller create":
		var in loket.NewResellerInput
		var balance int64
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&in.Username, "username", "", "")
			fs.StringVar(&in.Name, "name", "", "")
			fs.StringVar(&in.Email, "email", "", "")
			fs.StringVar(&in.Level, "level", "reseller", "")
			fs.Int64Var(&balance, "balance", 0, "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if err := db.EnsureDefaultLevel(ctx); err != nil {
				return err
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			in.Balance = loket.Money(balance)
			r, creds, err := a.CreateReseller(ctx, in)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"username": r.Username, "api_key": creds.APIKey, "secret_key": creds.SecretKey, "balance": r.Balance})
		})

	case "reseller update":
		var username, webhook, ips, level, status string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "")
			fs.StringVar(&webhook, "webhook-url", "\x00", "")
			fs.StringVar(&ips, "ip-allow", "\x00", "")
			fs.StringVar(&level, "level", "", "")
			fs.StringVar(&status, "status", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			r, err := db.Reseller(ctx, 0, username)
			if err != nil {
				return err
			}
			var u loket.ResellerUpdate
			if webhook != "\x00" {
				u.WebhookURL = &webhook
			}
			if ips != "\x00" {
				list := []string{}
				for _, p := range strings.Split(ips, ",") {
					if p = strings.TrimSpace(p); p != "" {
						list = append(list, p)
					}
				}
				u.IPAllow = &list
			}
			if level != "" {
				u.Level = &level
			}
			if status != "" {
				u.Status = &status
			}
			if err := a.UpdateReseller(ctx, r.ID, u); err != nil {
				return err
			}
			r, err = db.Reseller(ctx, r.ID, "")
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"username": r.Username, "level": r.Level, "status": r.Status,
				"webhook_url": r.WebhookURL, "ip_allow": r.IPAllow})
		})

	case "reseller credit":
		var username, note, key string
		var amount int64
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "")
			fs.Int64Var(&amount, "amount", 0, "")
			fs.StringVar(&note, "note", "", "")
			fs.StringVar(&key, "key", "", "idempotency key: the same key again credits nothing")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if strings.TrimSpace(note) == "" {
				return fmt.Errorf("reseller credit: --note is required")
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			r, err := db.Reseller(ctx, 0, username)
			if err != nil {
				return err
			}
			if key != "" {
				key = "adjustment:" + key
			}
			bal, err := a.Credit(ctx, r.ID, loket.Money(amount), note, key)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"username": r.Username, "balance": bal})
		})

	case "supplier add":
		var s loket.Supplier
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&s.Name, "name", "", "")
			fs.StringVar(&s.Kind, "kind", "", "")
			fs.StringVar(&s.BaseURL, "base-url", "", "")
			fs.StringVar(&s.APIKey, "api-key", "", "")
			fs.StringVar(&s.Secret, "secret", "", "")
			fs.StringVar(&s.MemberID, "member-id", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			s.Name = strings.TrimSpace(s.Name)
			if s.Name == "" || strings.ContainsAny(s.Name, " /") {
				return fmt.Errorf("supplier add: --name is required and may not contain spaces or slashes")
			}
			if _, err := supplier.New(supplier.Config{Name: s.Name, Kind: s.Kind, BaseURL: s.BaseURL, APIKey: s.APIKey, Secret: s.Secret, MemberID: s.MemberID}); err != nil {
				return fmt.Errorf("supplier add: %w", err)
			}
			s.Enabled = true
			err := db.Direct(ctx, func(t *store.Tx) error {
				id, err := t.UpsertSupplier(s)
				s.ID = id
				if err != nil {
					return err
				}
				return t.BumpCatalog()
			})
			if err != nil {
				return err
			}
			if _, err := db.EnsureAccount(ctx, store.SupplierAccount(s.ID), store.KindSupplierPayable); err != nil {
				return err
			}
			return printJSON(out, s)
		})

	case "supplier list":
		return command(cmd, args, func(*flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			// Balances are asked now; whether a server node is skipping a supplier for
			// not answering is that node's (loket_supplier_usable in /metrics).
			a.CheckBalances(ctx)
			for _, st := range a.Suppliers() {
				if err := printJSON(out, st); err != nil {
					return err
				}
			}
			return nil
		})

	case "route add":
		var product, sup, code string
		var cost int64
		var priority int
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&product, "product", "", "")
			fs.StringVar(&sup, "supplier", "", "")
			fs.StringVar(&code, "code", "", "")
			fs.Int64Var(&cost, "cost", -1, "")
			fs.IntVar(&priority, "priority", 10, "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if code == "" || cost < 0 || loket.Money(cost) > loket.MaxAmount {
				return fmt.Errorf("route add: --code and a --cost >= 0 are required")
			}
			var id int64
			err := db.Direct(ctx, func(t *store.Tx) error {
				pid, err := t.ProductID(product)
				if err != nil {
					return err
				}
				sid, err := t.SupplierID(sup)
				if err != nil {
					return err
				}
				if id, err = t.UpsertRoute(pid, sid, code, loket.Money(cost), priority); err != nil {
					return err
				}
				// A markup rule on the product follows its (new) reference route.
				if _, err := t.Reprice([]int64{pid}); err != nil {
					return err
				}
				return t.BumpCatalog()
			})
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"id": id, "product": product, "supplier": sup, "code": code, "cost": cost, "priority": priority})
		})

	case "catalog import":
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("catalog import: give the file: loket catalog import FILE")
		}
		file := args[0]
		return command(cmd, args[1:], func(*flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			sum, err := catalog.Import(ctx, db, f, file)
			if err != nil {
				return err
			}
			return printJSON(out, sum)
		})

	case "setting get", "setting set":
		if len(args) < 1 || (cmd == "setting set" && len(args) < 2) {
			return fmt.Errorf("%s: usage: loket setting get KEY | loket setting set KEY VALUE", cmd)
		}
		key := args[0]
		allowed, ok := operatorSettings[key]
		if !ok {
			return fmt.Errorf("%s: unknown setting %q (known: %s)", cmd, key, strings.Join(settingNames(), ", "))
		}
		rest := args[1:]
		value := ""
		if cmd == "setting set" {
			value, rest = args[1], args[2:]
			if !slices.Contains(allowed, value) {
				return fmt.Errorf("%s: %s takes one of: %s", cmd, key, strings.Join(allowed, ", "))
			}
		}
		return command(cmd, rest, func(*flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if cmd == "setting set" {
				if err := db.SetSetting(ctx, key, value); err != nil {
					return err
				}
			}
			v, err := db.Setting(ctx, key)
			if err != nil {
				return err
			}
			if v == "" {
				v = allowed[0]
			}
			return printJSON(out, map[string]string{"key": key, "value": v})
		})

	case "order list":
		var f loket.OrderFilter
		var username string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "only this reseller's orders")
			fs.StringVar(&f.Status, "status", "", "pending, success or failed")
			fs.BoolVar(&f.Flagged, "flagged", false, "only orders pending past LOKET_PENDING_DEADLINE")
			fs.IntVar(&f.Limit, "limit", 50, "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if username != "" {
				r, err := db.Reseller(ctx, 0, username)
				if err != nil {
					return err
				}
				f.ResellerID = r.ID
			}
			orders, err := db.ListOrders(ctx, f)
			if err != nil {
				return err
			}
			for _, o := range orders {
				at, err := db.Attempts(ctx, o.ID)
				if err != nil {
					return err
				}
				row := map[string]any{"id": o.ID, "reseller_id": o.ResellerID, "ref_id": o.RefID, "product": o.ProductCode,
					"target": o.Target, "price": o.Price, "status": o.Status, "sn": o.SN, "created_at": o.CreatedAt,
					"flagged_at": o.FlaggedAt, "attempts": at}
				// What the delivering supplier cost, and what the order earned.
				for _, x := range at {
					if x.Outcome == "success" {
						row["cost"], row["margin"], row["supplier_id"] = x.Cost, o.Price-x.Cost, x.SupplierID
					}
				}
				if err := printJSON(out, row); err != nil {
					return err
				}
			}
			return nil
		})

	case "order settle":
		var id int64
		var status, sn, note string
		return command(cmd, args, func(fs *flag.FlagSet) {
			fs.Int64Var(&id, "id", 0, "")
			fs.StringVar(&status, "status", "", "")
			fs.StringVar(&sn, "sn", "", "")
			fs.StringVar(&note, "note", "", "")
		}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			if status != loket.StatusSuccess && status != loket.StatusFailed {
				return fmt.Errorf("order settle: --status must be success or failed")
			}
			a, err := newApp(ctx, cfg, db)
			if err != nil {
				return err
			}
			o, err := a.SettleByOperator(ctx, id, status == loket.StatusSuccess, sn, note)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"id": o.ID, "status": o.Status, "sn": o.SN})
		})

	case "ledger verify":
		return command(cmd, args, func(*flag.FlagSet) {}, func(ctx context.Context, cfg *config.Config, db *store.DB) error {
			v, err := db.Verify(ctx)
			if err != nil {
				return err
			}
			if len(v) > 0 {
				for _, x := range v {
					fmt.Fprintf(os.Stderr, "BROKEN %s: %s\n", x.Invariant, x.Detail)
				}
				return fmt.Errorf("ledger verify: %d invariant violations", len(v))
			}
			t, err := db.LedgerTotals(ctx)
			if err != nil {
				return err
			}
			return printJSON(out, map[string]any{"ok": true, "reseller_balances": t.ResellerBalances, "in_flight": t.InFlight,
				"revenue": t.Revenue, "supplier_payable": t.SupplierPayable, "adjustments": t.Adjustments, "payment_sources": t.PaymentSources})
		})
	}
	if ok, err := priceCommand(cmd, args, out); ok {
		return err
	}
	if ok, err := withdrawalCommand(cmd, args, out); ok {
		return err
	}
	return fmt.Errorf("unknown command %q (see loket help)", cmd)
}

// operatorSettings are the settings `loket setting` may read and change, each with its
// allowed values, the default first. Other keys of the settings table (the master key,
// the demo's credentials) are not the operator's to edit by hand.
var operatorSettings = map[string][]string{
	"chestcloudx.registration": {"on", "off"}, // seed 004's self-registration
}

func settingNames() []string {
	var out []string
	for k := range operatorSettings {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
