package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/loket/loket/internal/server"
)

func masterkeyRotate(ctx context.Context, args []string, out io.Writer) error {
	c := newCommand("masterkey rotate", "--new-key KEY | --generate",
		"Reseals every secret kept sealed (resellers' API and secret keys, the OrderKuota login) with a\n"+
			"new master key, in one transaction: all or nothing. Stop every node first; start them again\n"+
			"with the new key. Without LOKET_MASTER_KEY the database keeps the key and gets the new one.\n"+
			"Deposit QR links and references already given out keep working.")
	newKey := c.String("new-key", "", "the new master key: 32 bytes, hex or base64 (openssl rand -hex 32)")
	generate := c.Bool("generate", false, "make a new random key and print it (once: keep it)")
	c.check = func() error {
		if (*newKey == "") == !*generate {
			return errors.New("masterkey rotate: give --new-key KEY or --generate, one of them")
		}
		return nil
	}
	e, err := c.open(ctx, args, out)
	if err != nil {
		return err
	}
	defer e.close()
	if *generate {
		*newKey = server.NewMasterKey()
	}
	r, err := server.RotateMasterKey(ctx, e.db, e.cfg.MasterKey, *newKey)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "resealed %d secrets with the new master key\n", r.Resealed)
	if r.InDB {
		fmt.Fprintln(out, "the new key is kept in the database (setting master_key), as the old one was")
		if *generate {
			fmt.Fprintf(out, "new key (keep a copy, e.g. to set LOKET_MASTER_KEY later): %s\n", *newKey)
		}
	} else {
		fmt.Fprintf(out, "now set, on every node (e.g. in /etc/loket/loket.env):\nLOKET_MASTER_KEY=%s\n", *newKey)
	}
	_, err = fmt.Fprintln(out, "restart every Loket node now: a node still running keeps the old key and cannot read the new secrets")
	return err
}
