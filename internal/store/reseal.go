package store

import (
	"context"
	"fmt"
)

// Reseal says how to rewrite every value sealed with the master key (loket masterkey
// rotate).
type Reseal struct {
	// Value turns one sealed value into its resealed form; where names it for the
	// operator ("reseller alice (id 3) secret_seal") when it fails.
	Value func(where, sealed string) (string, error)
	// Settings are the settings holding sealed values, by key, each with the
	// function that rewrites the whole stored value (which may hold several sealed
	// fields, or be one). A setting absent or empty is left alone.
	Settings map[string]func(raw string) (string, error)
	// Set are settings written (made or replaced) in the same transaction: the new
	// master_key when the database keeps it.
	Set map[string]string
}

// ResealAll rewrites the resellers' api_key_seal and secret_seal and the settings of
// r in one transaction: all of them or, on the first value r fails on, none. It
// returns how many columns and settings it rewrote.
func (db *DB) ResealAll(ctx context.Context, r Reseal) (int, error) {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	type row struct {
		id                int64
		user, key, secret string
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, username, api_key_seal, secret_seal FROM resellers ORDER BY id`)
	if err != nil {
		return 0, err
	}
	var list []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.user, &x.key, &x.secret); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	reseal := func(where, v string) (string, error) {
		if v == "" {
			return "", nil // a key made before keys were sealed
		}
		n++
		return r.Value(where, v)
	}
	for _, x := range list {
		who := fmt.Sprintf("reseller %s (id %d)", x.user, x.id)
		key, err := reseal(who+" api_key_seal", x.key)
		if err != nil {
			return 0, err
		}
		secret, err := reseal(who+" secret_seal", x.secret)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE resellers SET api_key_seal = $2, secret_seal = $3 WHERE id = $1`, x.id, key, secret); err != nil {
			return 0, err
		}
	}
	for key, rewrite := range r.Settings {
		var raw string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&raw)
		if noRows(err) || (err == nil && raw == "") {
			continue
		}
		if err != nil {
			return 0, err
		}
		v, err := rewrite(raw)
		if err != nil {
			return 0, fmt.Errorf("setting %s: %w", key, err)
		}
		n++
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = $2 WHERE key = $1`, key, v); err != nil {
			return 0, err
		}
	}
	for key, v := range r.Set {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, v); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit()
}
