package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/loket/loket/internal/loket"
)

// CreateAdmin stores an operator admin.
func (db *DB) CreateAdmin(ctx context.Context, username, passwordHash string) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO admins (username, password_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash`, username, passwordHash, Now())
	return err
}

// AdminPasswordHash returns the password hash of an admin.
func (db *DB) AdminPasswordHash(ctx context.Context, username string) (string, error) {
	var h string
	err := db.queryRow(ctx, `SELECT password_hash FROM admins WHERE username = $1`, username).Scan(&h)
	if noRows(err) {
		return "", loket.Errorf(loket.ENOTFOUND, "no such admin")
	}
	return h, err
}

// NewReseller is what CreateReseller stores.
type NewReseller struct {
	Username     string
	Name         string
	Email        string
	Level        string
	APIKeyHash   string
	APIKeySeal   string
	SecretHash   string
	SecretSeal   string
	ReferralCode string
	ReferredBy   *int64
}

// CreateReseller stores a reseller with its balance and profit accounts. A taken
// username is a conflict.
func (t *Tx) CreateReseller(r NewReseller) (int64, error) {
	var n int
	if err := t.QueryRow(`SELECT count(*) FROM price_levels WHERE name = $1`, r.Level).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, loket.FieldError(loket.EINVALID, "level", "no price level %q", r.Level)
	}
	var bal, prof int64
	code := "reseller:" + r.Username
	if err := t.QueryRow(`INSERT INTO accounts (code, kind, tracked, balance) VALUES ($1, $2, $3, 0) RETURNING id`,
		code+":balance", KindResellerBalance, true).Scan(&bal); err != nil {
		if isUnique(err) {
			return 0, loket.FieldError(loket.ECONFLICT, "username", "username %q is taken", r.Username)
		}
		return 0, err
	}
	if err := t.QueryRow(`INSERT INTO accounts (code, kind, tracked, balance) VALUES ($1, $2, $3, 0) RETURNING id`,
		code+":profit", KindResellerProfit, true).Scan(&prof); err != nil {
		return 0, err
	}
	var id int64
	err := t.QueryRow(`INSERT INTO resellers (username, name, email, level, status, api_key_hash, secret_hash, secret_seal,
		referral_code, referred_by, balance_account_id, profit_account_id, created_at, api_key_seal, depth)
		VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $8, $9, $10, $11, $12, $13,
		COALESCE((SELECT u.depth + 1 FROM resellers u WHERE u.id = $9), 0)) RETURNING id`,
		r.Username, r.Name, r.Email, r.Level, r.APIKeyHash, r.SecretHash, r.SecretSeal, r.ReferralCode, r.ReferredBy, bal, prof, Now(),
		r.APIKeySeal).Scan(&id)
	if isUnique(err) {
		return 0, loket.FieldError(loket.ECONFLICT, "username", "username %q is taken", r.Username)
	}
	if err != nil {
		return 0, err
	}
	if _, err := t.Exec(`UPDATE accounts SET reseller_id = $1 WHERE id IN ($2, $3)`, id, bal, prof); err != nil {
		return 0, err
	}
	return id, nil
}

const resellerAuthCols = `id, username, level, status, ip_allow, webhook_url, secret_hash, secret_seal, balance_account_id, profit_account_id,
	COALESCE(referred_by, 0)`

func scanResellerAuth(row interface{ Scan(...any) error }) (*loket.ResellerAuth, error) {
	var a loket.ResellerAuth
	var ips string
	if err := row.Scan(&a.ID, &a.Username, &a.Level, &a.Status, &ips, &a.WebhookURL, &a.SecretHash, &a.SecretSeal,
		&a.BalanceAccountID, &a.ProfitAccountID, &a.UplineID); err != nil {
		return nil, err
	}
	a.IPAllow = splitList(ips)
	return &a, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ResellerByKeyHash finds the reseller whose API key has the digest h: its current
// key, or the unsealed one it had before its first login through seed 004.
func (db *DB) ResellerByKeyHash(ctx context.Context, h string) (*loket.ResellerAuth, error) {
	a, err := scanResellerAuth(db.queryRow(ctx, `SELECT `+resellerAuthCols+` FROM resellers WHERE api_key_hash = $1`, h))
	if noRows(err) {
		a, err = scanResellerAuth(db.queryRow(ctx, `SELECT `+resellerAuthCols+` FROM resellers WHERE legacy_api_key_hash = $1`, h))
	}
	if noRows(err) {
		return nil, loket.Errorf(loket.EUNAUTHORIZED, "invalid API key")
	}
	return a, err
}

// ResellerAPIKeySeal returns a reseller's API key sealed, or "" for a key made before
// keys were sealed.
func (db *DB) ResellerAPIKeySeal(ctx context.Context, id int64) (string, error) {
	var seal string
	err := db.queryRow(ctx, `SELECT api_key_seal FROM resellers WHERE id = $1`, id).Scan(&seal)
	if noRows(err) {
		return "", loket.Errorf(loket.ENOTFOUND, "no such reseller")
	}
	return seal, err
}

// SealAPIKey gives a reseller whose API key is not sealed a new sealed one (digest h),
// keeping the old key valid as its legacy key. It reports false, changing nothing,
// when the reseller's key is sealed already (another login did it first).
func (db *DB) SealAPIKey(ctx context.Context, id int64, h, seal string) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE resellers SET legacy_api_key_hash = api_key_hash, api_key_hash = $2, api_key_seal = $3
		WHERE id = $1 AND api_key_seal = ''`, id, h, seal)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResellerAuthByID loads a reseller's auth facts by id.
func (db *DB) ResellerAuthByID(ctx context.Context, id int64) (*loket.ResellerAuth, error) {
	a, err := scanResellerAuth(db.queryRow(ctx, `SELECT `+resellerAuthCols+` FROM resellers WHERE id = $1`, id))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such reseller")
	}
	return a, err
}

const resellerCols = `r.id, r.username, r.name, r.email, r.level, r.status, r.ip_allow, r.webhook_url, r.referral_code,
	b.balance, p.balance, r.created_at`

func scanReseller(row interface{ Scan(...any) error }) (*loket.Reseller, error) {
	var r loket.Reseller
	var ips string
	var created int64
	if err := row.Scan(&r.ID, &r.Username, &r.Name, &r.Email, &r.Level, &r.Status, &ips, &r.WebhookURL, &r.ReferralCode,
		&r.Balance, &r.ProfitBalance, &created); err != nil {
		return nil, err
	}
	r.IPAllow = splitList(ips)
	r.CreatedAt = Time(created)
	return &r, nil
}

// Reseller loads a reseller with balances, by id or (when id is 0) by username.
func (db *DB) Reseller(ctx context.Context, id int64, username string) (*loket.Reseller, error) {
	r, err := scanReseller(db.queryRow(ctx, `SELECT `+resellerCols+` FROM resellers r
		JOIN accounts b ON b.id = r.balance_account_id JOIN accounts p ON p.id = r.profit_account_id
		WHERE r.id = $1 OR ($1 = 0 AND r.username = $2)`, id, username))
	if noRows(err) {
		return nil, loket.Errorf(loket.ENOTFOUND, "no such reseller")
	}
	return r, err
}

// Resellers lists resellers by id.
func (db *DB) Resellers(ctx context.Context) ([]*loket.Reseller, error) {
	var out []*loket.Reseller
	err := db.each(ctx, `SELECT `+resellerCols+` FROM resellers r
		JOIN accounts b ON b.id = r.balance_account_id JOIN accounts p ON p.id = r.profit_account_id ORDER BY r.id`,
		func(rows *sql.Rows) error {
			r, err := scanReseller(rows)
			if err == nil {
				out = append(out, r)
			}
			return err
		})
	return out, err
}

// UpdateReseller changes a reseller's settings.
func (db *DB) UpdateReseller(ctx context.Context, id int64, u loket.ResellerUpdate) error {
	sets := []string{}
	args := []any{id}
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if u.WebhookURL != nil {
		add("webhook_url", *u.WebhookURL)
	}
	if u.IPAllow != nil {
		add("ip_allow", strings.Join(*u.IPAllow, ","))
	}
	if u.Level != nil {
		add("level", *u.Level)
	}
	if u.Status != nil {
		add("status", *u.Status)
	}
	if u.Name != nil {
		add("name", *u.Name)
	}
	if u.Email != nil {
		add("email", *u.Email)
	}
	if u.APIKeyHash != nil {
		// A new key replaces the legacy one too: regenerating revokes every key.
		add("api_key_hash", *u.APIKeyHash)
		sets = append(sets, "legacy_api_key_hash = NULL")
	}
	if u.APIKeySeal != nil {
		add("api_key_seal", *u.APIKeySeal)
	}
	if u.SecretHash != nil {
		add("secret_hash", *u.SecretHash)
	}
	if u.SecretSeal != nil {
		add("secret_seal", *u.SecretSeal)
	}
	if len(sets) == 0 {
		return nil
	}
	res, err := db.W.ExecContext(ctx, `UPDATE resellers SET `+strings.Join(sets, ", ")+` WHERE id = $1`, args...)
	if err != nil {
		if isForeignKey(err) {
			return loket.FieldError(loket.EINVALID, "level", "no such price level")
		}
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return loket.Errorf(loket.ENOTFOUND, "no such reseller")
	}
	return nil
}

// Setting returns a stored setting, or "" when unset.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	if err := loket.CheckText("key", key, loket.MaxText); err != nil {
		return "", err
	}
	var v string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if noRows(err) {
		return "", nil
	}
	return v, err
}

// SetSettingIfAbsent stores value under key unless one is there, and returns the value kept.
func (db *DB) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := db.W.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", err
	}
	var v string
	err := db.W.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	return v, err
}

// maxSetting bounds a setting's value (the bank accounts' list is the longest).
const maxSetting = 64 << 10

// SetSetting stores a setting. Key and value are text loket.CheckText takes (the value
// may hold line breaks).
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	if err := loket.CheckText("key", key, loket.MaxText); err != nil {
		return err
	}
	if err := loket.CheckLines("value", value, maxSetting); err != nil {
		return err
	}
	_, err := db.W.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Setting reads a setting as this transaction sees it, or "" when unset.
func (t *Tx) Setting(key string) (string, error) {
	var v string
	err := t.QueryRow(`SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if noRows(err) {
		return "", nil
	}
	return v, err
}

// DeleteSetting forgets a setting in this transaction.
func (t *Tx) DeleteSetting(key string) error {
	_, err := t.Exec(`DELETE FROM settings WHERE key = $1`, key)
	return err
}

// DeleteSetting forgets a setting.
func (db *DB) DeleteSetting(ctx context.Context, key string) error {
	_, err := db.W.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, key)
	return err
}

// Ledger returns a reseller's balance movements, newest first, with the balance after
// each: the mutasi. before is an entry id cursor (0 for the newest).
func (db *DB) Ledger(ctx context.Context, accountID, before int64, limit int) ([]loket.LedgerLine, error) {
	var out []loket.LedgerLine
	err := db.each(ctx, `SELECT e.id, t.kind, e.amount, e.balance_after, t.order_id, t.note, e.created_at
		FROM entries e JOIN transfers t ON t.id = e.transfer_id
		WHERE e.account_id = $1 AND ($2 = 0 OR e.id < $2) ORDER BY e.id DESC LIMIT $3`,
		func(rows *sql.Rows) error {
			var l loket.LedgerLine
			var after, order sql.NullInt64
			var at int64
			if err := rows.Scan(&l.ID, &l.TransferKind, &l.Amount, &after, &order, &l.Note, &at); err != nil {
				return err
			}
			l.BalanceAfter = loket.Money(after.Int64)
			if order.Valid {
				v := order.Int64
				l.OrderID = &v
			}
			l.CreatedAt = Time(at)
			out = append(out, l)
			return nil
		}, accountID, before, limit)
	return out, err
}

// SetResellerPassword stores a reseller's password hash.
func (db *DB) SetResellerPassword(ctx context.Context, id int64, hash string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE resellers SET password_hash = $2 WHERE id = $1`, id, hash)
	return err
}

// ResellerPasswordHash returns a reseller's id and password hash by username ("" if
// none is set).
func (db *DB) ResellerPasswordHash(ctx context.Context, username string) (int64, string, error) {
	var id int64
	var h string
	err := db.queryRow(ctx, `SELECT id, password_hash FROM resellers WHERE username = $1`, username).Scan(&id, &h)
	if noRows(err) {
		return 0, "", loket.Errorf(loket.ENOTFOUND, "no such reseller")
	}
	return id, h, err
}
