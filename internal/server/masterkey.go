package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/payment/orderkuota"
	"github.com/loket/loket/internal/store"
)

// Settings of the master key's, besides the sealed values themselves.
const (
	// settingLinkKey holds, sealed, the key deposit QR links and tokowendigg deposit
	// references are signed with, once a rotation has carried it over from the first
	// master key (which it is derived from until then).
	settingLinkKey = "link_key"
	// settingMasterKey is the master key when the database keeps it (no LOKET_MASTER_KEY).
	settingMasterKey = "master_key"
	// DemoCredentialsSetting holds `loket demo`'s logins, sealed as a whole.
	DemoCredentialsSetting = "demo_credentials"
)

// openSealer is the Sealer of the master key (MasterKey), signing links with the link
// key a rotation kept, if any.
func openSealer(ctx context.Context, db *store.DB, configured string) (*auth.Sealer, []byte, error) {
	key, err := MasterKey(ctx, db, configured)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := auth.NewSealer(key)
	if err != nil {
		return nil, nil, err
	}
	raw, err := db.Setting(ctx, settingLinkKey)
	if err != nil || raw == "" {
		return sealer, key, err
	}
	plain, err := sealer.Open(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the master key is not the key this database's secrets are sealed with (setting %s does not open with it): check LOKET_MASTER_KEY", settingLinkKey)
	}
	link, err := hex.DecodeString(plain)
	if err != nil || len(link) != 32 {
		return nil, nil, fmt.Errorf("setting %s is malformed", settingLinkKey)
	}
	return sealer.WithLinkKey(link), key, nil
}

// NewMasterKey is a fresh random master key, hex encoded.
func NewMasterKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// Rotation is what RotateMasterKey did.
type Rotation struct {
	Resealed int  // sealed values rewritten
	InDB     bool // the database keeps the master key, and now keeps the new one
}

// RotateMasterKey reseals every secret sealed with the current master key (configured,
// as LOKET_MASTER_KEY, or the database's) with newKey, in one transaction: if any
// value does not open with the current key it changes nothing and names the value.
// When the database keeps the key, it keeps newKey instead. The link key (deposit QR
// links, tokowendigg deposit references) is carried over, sealed with newKey, so that
// links already given out still work. Nodes still running hold the old key: they must
// be restarted with the new one.
func RotateMasterKey(ctx context.Context, db *store.DB, configured, newKey string) (Rotation, error) {
	next, err := parseKey(newKey, "the new key")
	if err != nil {
		return Rotation{}, err
	}
	old, cur, err := openSealer(ctx, db, configured)
	if err != nil {
		return Rotation{}, err
	}
	if subtle.ConstantTimeCompare(cur, next) == 1 {
		return Rotation{}, fmt.Errorf("the new key is the current key")
	}
	sealer, err := auth.NewSealer(next)
	if err != nil {
		return Rotation{}, err
	}
	reseal := func(sealed string) (string, error) {
		plain, err := old.Open(sealed)
		if err != nil {
			return "", err
		}
		return sealer.Seal(plain), nil
	}
	r := Rotation{InDB: configured == ""}
	set := map[string]string{settingLinkKey: sealer.Seal(hex.EncodeToString(old.LinkKey()))}
	if r.InDB {
		set[settingMasterKey] = hex.EncodeToString(next)
	}
	r.Resealed, err = db.ResealAll(ctx, store.Reseal{
		Value: func(where, sealed string) (string, error) {
			v, err := reseal(sealed)
			if err != nil {
				return "", fmt.Errorf("%s: %w", where, err)
			}
			return v, nil
		},
		Settings: map[string]func(string) (string, error){
			orderkuota.SettingKey:  func(raw string) (string, error) { return orderkuota.Reseal(raw, reseal) },
			DemoCredentialsSetting: reseal,
		},
		Set: set,
	})
	if err != nil {
		return Rotation{}, fmt.Errorf("nothing changed: %w", err)
	}
	return r, nil
}
