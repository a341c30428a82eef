// Package auth holds Loket's credential primitives: argon2id passwords for people,
// random API and secret keys for programs (kept as SHA-256 digests for lookup), and
// sealing of the secret keys that must stay usable as HMAC keys for webhook signatures.
package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's baseline (19 MiB, 2 passes, 1 lane). Every hash holds
// its memory while it runs, and the server's whole budget is ~150 MB, so the larger
// RFC 9106 settings (64 MiB and up) would let a few concurrent logins crowd out the
// order path. Hashes record their parameters, so these can rise later.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashing bounds the argon2id hashes running at once to the cores: each holds its
// memory while it runs, and more at once would finish no sooner (a burst of logins, or
// of a chat's first messages, would otherwise take 19 MiB each at the same time).
var hashing = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))

func idKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

// HashPassword returns a PHC-formatted argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash made by HashPassword.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := idKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewKey returns a random key with the given prefix: 24 random bytes, hex encoded.
func NewKey(prefix string) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return prefix + hex.EncodeToString(b)
}

// RandomCode returns n random characters from an alphabet without look-alikes.
func RandomCode(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Digest is the stored form of a key: hex SHA-256. Keys are long random strings, so a
// fast hash is enough, and it lets a key be looked up by its digest.
func Digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Sealer encrypts secrets at rest with AES-256-GCM under the installation's master key.
type Sealer struct {
	aead   cipher.AEAD
	tagKey []byte
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, errors.New("master key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	tk := hmac.New(sha256.New, key)
	tk.Write([]byte("loket link tags"))
	return &Sealer{aead: aead, tagKey: tk.Sum(nil)}, nil
}

// LinkKey is the key Tag signs with: by default derived from the master key.
func (s *Sealer) LinkKey() []byte { return append([]byte(nil), s.tagKey...) }

// WithLinkKey is a Sealer of the same master key whose Tag signs with k: the link key
// a master-key rotation carried over, so that links already given out keep working.
func (s *Sealer) WithLinkKey(k []byte) *Sealer {
	return &Sealer{aead: s.aead, tagKey: append([]byte(nil), k...)}
}

// Seal encrypts plaintext; the result is base64 text safe to store.
func (s *Sealer) Seal(plaintext string) string {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plaintext), nil))
}

// Open decrypts what Seal made.
func (s *Sealer) Open(sealed string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("sealed secret is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", errors.New("sealed secret does not open with this master key")
	}
	return string(plain), nil
}

// Tag returns a hex HMAC-SHA256 of msg under a key derived from the master key: for
// unguessable public links (a deposit's QR image).
func (s *Sealer) Tag(msg string) string {
	m := hmac.New(sha256.New, s.tagKey)
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns "sha256=<hex HMAC-SHA256 of body under key>", the X-Loket-Signature value.
func Sign(key string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
