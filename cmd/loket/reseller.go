package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/loket/loket/internal/loket"
)

func adminCreate(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("admin create", "--username U --password P", "Creates an operator's login to the dashboard (/login).")
	username := c.String("username", "", "the operator's login name")
	password := c.String("password", "", "its password, at least 8 characters")
	c.require("username", "password")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if len(*password) < 8 {
		return fmt.Errorf("admin create: --username and a --password of at least 8 characters are required")
	}
	if err := a.Resellers.CreateAdmin(ctx, *username, *password); err != nil {
		return err
	}
	return e.print(map[string]string{"username": *username})
}

func resellerCreate(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("reseller create", "--username U [--name N] [--email E] [--level L] [--balance N]",
		`Creates a reseller with fresh keys and prints {"username":..., "api_key":..., "secret_key":..., "balance":...};
the keys are shown only now.`)
	var in loket.NewResellerInput
	c.StringVar(&in.Username, "username", "", "3-32 characters: a-z, 0-9, _ . -")
	c.StringVar(&in.Name, "name", "", "the reseller's name")
	c.StringVar(&in.Email, "email", "", "the reseller's e-mail address")
	c.StringVar(&in.Level, "level", "reseller", "the price level its prices follow")
	balance := c.amount("balance", "opening balance in rupiah, credited as an adjustment")
	c.require("username")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	in.Balance = *balance
	r, creds, err := a.Resellers.CreateReseller(ctx, in)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"username": r.Username, "api_key": creds.APIKey, "secret_key": creds.SecretKey, "balance": r.Balance})
}

func resellerUpdate(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("reseller update", "--username U [--webhook-url URL] [--ip-allow CIDR,...] [--level L] [--status active|suspended]",
		"Changes a reseller's settings; flags not given are kept. Prints the reseller's settings.")
	c.reseller("the reseller's username")
	webhook := c.String("webhook-url", "", "where each order's status report is sent, in the dialect it was placed through (empty: none)")
	ips := c.String("ip-allow", "", "comma-separated addresses or CIDRs the API is called from (empty: any)")
	level := c.String("level", "", "the price level its prices follow")
	status := new(string)
	c.choice(status, "status", []string{"active", "suspended"}, "active or suspended")
	c.require("username")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	r := e.reseller
	var u loket.ResellerUpdate
	if c.given("webhook-url") {
		u.WebhookURL = webhook
	}
	if c.given("ip-allow") {
		list := []string{}
		for _, p := range strings.Split(*ips, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		u.IPAllow = &list
	}
	if *level != "" {
		u.Level = level
	}
	if *status != "" {
		u.Status = status
	}
	if err := a.Resellers.UpdateReseller(ctx, r.ID, u); err != nil {
		return err
	}
	r, err = a.Resellers.Reseller(ctx, r.ID, "")
	if err != nil {
		return err
	}
	return e.print(map[string]any{"username": r.Username, "level": r.Level, "status": r.Status,
		"webhook_url": r.WebhookURL, "ip_allow": r.IPAllow})
}

func resellerCredit(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("reseller credit", "--username U --amount N --note TEXT [--key K]",
		`A manual ledger adjustment of a reseller's balance; prints {"username":..., "balance":...}.`)
	c.reseller("the reseller's username")
	amount := c.amount("amount", "rupiah to credit; a negative amount debits")
	note := c.String("note", "", "why, kept with the ledger entry")
	key := c.String("key", "", "idempotency key: the same key again credits nothing")
	c.require("username", "note")
	e, a, err := c.openCore(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	r := e.reseller
	if *key != "" {
		*key = "adjustment:" + *key
	}
	bal, err := a.Resellers.Credit(ctx, r.ID, *amount, *note, *key)
	if err != nil {
		return err
	}
	return e.print(map[string]any{"username": r.Username, "balance": bal})
}
