package resellers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// withPassword creates a reseller who signs in with password.
func withPassword(t *testing.T, c *server.Core, password string) (*loket.Reseller, loket.Credentials) {
	t.Helper()
	ctx := context.Background()
	r, creds, err := c.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: loketest.Username("si")})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Resellers.SetPassword(ctx, r.ID, password); err != nil {
		t.Fatal(err)
	}
	return r, creds
}

// wantLocked checks that err is the sign-in limits' refusal, retrying within window.
func wantLocked(t *testing.T, err error, window time.Duration) {
	t.Helper()
	if loket.ErrorCode(err) != loket.ERATELIMIT || loket.ErrorReason(err) != loket.ReasonSignInLocked {
		t.Fatalf("got %v, want a sign-in lockout", err)
	}
	if wait := time.Until(loket.ErrorRetryAt(err)); wait <= window-time.Minute || wait > window {
		t.Errorf("retry in %v, want about %v", wait, window)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if loket.ErrorCode(err) != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// TestSignInLimits: failures count per username (each kind apart) and per address,
// for every way of signing in; a success clears the username's count and costs the
// address nothing; parallel guesses cannot pass the limit together.
func TestSignInLimits(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		const window = 15 * time.Minute // the defaults: 5 per username, 20 per address
		victim, _ := withPassword(t, c, "rahasia-v")
		if err := c.Resellers.CreateAdmin(ctx, victim.Username, "rahasia-admin"); err != nil {
			t.Fatal(err)
		}

		// Five wrong passwords, through the dashboard's call and seed 004's alike.
		for i := range 5 {
			var err error
			if i%2 == 0 {
				_, err = c.Resellers.Login(ctx, victim.Username, "salah", "198.51.100.1:4000")
			} else {
				_, _, err = c.Resellers.LoginAPIKey(ctx, victim.Username, "salah", "198.51.100.1")
			}
			wantCode(t, err, loket.EUNAUTHORIZED)
		}
		// Now even the right password is refused, from any address, in any case, on every
		// path.
		_, err := c.Resellers.Login(ctx, victim.Username, "rahasia-v", "198.51.100.1")
		wantLocked(t, err, window)
		_, _, err = c.Resellers.LoginAPIKey(ctx, strings.ToUpper(victim.Username), "rahasia-v", "192.0.2.77")
		wantLocked(t, err, window)
		// An operator of the same name is another account.
		if _, err := c.Resellers.AdminLogin(ctx, victim.Username, "rahasia-admin", "198.51.100.1"); err != nil {
			t.Fatalf("admin of the same name: %v", err)
		}

		// A success clears the username's count: 4 + 4 failures never lock it.
		r2, _ := withPassword(t, c, "rahasia-2")
		for range 2 {
			for range 4 {
				_, err := c.Resellers.Login(ctx, r2.Username, "salah", "198.51.100.2")
				wantCode(t, err, loket.EUNAUTHORIZED)
			}
			if _, err := c.Resellers.Login(ctx, r2.Username, "rahasia-2", "198.51.100.2"); err != nil {
				t.Fatalf("sign-in after 4 failures: %v", err)
			}
		}

		// 20 failures from one address, over any usernames and both kinds, lock the
		// address, and only it. IPv6 addresses count by their /64.
		for _, a := range []struct{ first, other, outside string }{
			{"203.0.113.5", "203.0.113.5:9999", "203.0.113.6"},
			{"[2001:db8::1]:443", "2001:db8::2", "2001:db8:0:1::1"},
		} {
			for i := range 20 {
				addr := a.first
				if i%2 == 1 {
					addr = a.other
				}
				var err error
				if i%3 == 0 {
					_, err = c.Resellers.AdminLogin(ctx, fmt.Sprint("nobody", i), "salah", addr)
				} else {
					_, err = c.Resellers.Login(ctx, fmt.Sprint("nobody", i), "salah", addr)
				}
				wantCode(t, err, loket.EUNAUTHORIZED)
			}
			_, err := c.Resellers.Login(ctx, r2.Username, "rahasia-2", a.other)
			wantLocked(t, err, window)
			if _, err := c.Resellers.Login(ctx, r2.Username, "rahasia-2", a.outside); err != nil {
				t.Fatalf("another address: %v", err)
			}
		}

		// Guesses in parallel: five are checked, the rest refused unchecked.
		r3, _ := withPassword(t, c, "rahasia-3")
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for i := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Resellers.Login(ctx, r3.Username, fmt.Sprint("tebak", i), fmt.Sprintf("10.9.%d.1", i))
				mu.Lock()
				got[loket.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if got[loket.EUNAUTHORIZED] != 5 || got[loket.ERATELIMIT] != 25 {
			t.Errorf("30 parallel guesses: %v, want 5 checked and 25 refused", got)
		}
	})
}

// TestLoginAPIKey: seed 004's login gets the API key in use, which keeps working,
// from an address the reseller's allowlist lets in; regenerating replaces it. A key made
// before keys were sealed keeps working beside the one login then makes.
func TestLoginAPIKey(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		r, creds := withPassword(t, c, "rahasia-k")
		_, key, err := c.Resellers.LoginAPIKey(ctx, r.Username, "rahasia-k", "127.0.0.1:1")
		if err != nil || key != creds.APIKey {
			t.Fatalf("login: %q, %v; want the key in use %q", key, err, creds.APIKey)
		}

		// The allowlist applies to the key's login, not to the dashboard's.
		allow := []string{"203.0.113.0/24"}
		if err := c.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Resellers.LoginAPIKey(ctx, r.Username, "rahasia-k", "198.51.100.7:5000")
		if loket.ErrorCode(err) != loket.EFORBIDDEN || loket.ErrorReason(err) != loket.ReasonIPNotAllowed {
			t.Fatalf("login from outside the allowlist: %v", err)
		}
		if _, key, err = c.Resellers.LoginAPIKey(ctx, r.Username, "rahasia-k", "203.0.113.9:5000"); err != nil || key != creds.APIKey {
			t.Fatalf("login from the allowlist: %q, %v", key, err)
		}
		if _, err := c.Resellers.Login(ctx, r.Username, "rahasia-k", "198.51.100.7"); err != nil {
			t.Fatalf("dashboard sign-in from outside the key's allowlist: %v", err)
		}

		// Regenerating replaces the key login gets.
		newKey, err := c.Resellers.RegenerateAPIKey(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, key, err = c.Resellers.LoginAPIKey(ctx, r.Username, "rahasia-k", "203.0.113.9"); err != nil || key != newKey {
			t.Fatalf("login after regenerate: %q, %v; want %q", key, err, newKey)
		}

		// A reseller from before sealing: its key has only a digest.
		old, oldCreds := withPassword(t, c, "rahasia-old")
		if _, err := c.DB.W.ExecContext(ctx, `UPDATE resellers SET api_key_seal = '' WHERE id = $1`, old.ID); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 4)
		var wg sync.WaitGroup
		for i := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, k, err := c.Resellers.LoginAPIKey(ctx, old.Username, "rahasia-old", "127.0.0.1")
				if err != nil {
					t.Error(err)
				}
				keys[i] = k
			}()
		}
		wg.Wait()
		sealed := keys[0]
		for _, k := range keys {
			if k != sealed || k == oldCreds.APIKey || k == "" {
				t.Fatalf("concurrent first logins got %q, want one new key", keys)
			}
		}
		for _, k := range []string{oldCreds.APIKey, sealed} {
			if ra, err := c.Resellers.Authenticate(ctx, k, "127.0.0.1:1"); err != nil || ra.ID != old.ID {
				t.Fatalf("key %q after the first login: %v", k, err)
			}
		}
		if _, k, err := c.Resellers.LoginAPIKey(ctx, old.Username, "rahasia-old", "127.0.0.1"); err != nil || k != sealed {
			t.Fatalf("second login: %q, %v; want %q", k, err, sealed)
		}
		// Regenerating revokes both.
		if _, err := c.Resellers.RegenerateKeys(ctx, old.ID); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{oldCreds.APIKey, sealed} {
			if _, err := c.Resellers.Authenticate(ctx, k, "127.0.0.1:1"); loket.ErrorCode(err) != loket.EUNAUTHORIZED {
				t.Errorf("key %q after regenerating: %v", k, err)
			}
		}
	})
}

// TestAuthenticateSigned: the reseller is found by username and proven by a check
// made with its secret key (never with the API key); an unknown username and a
// failed check are one refusal; suspension and the IP allowlist apply after the
// check; a regenerated secret key takes effect at once.
func TestAuthenticateSigned(t *testing.T) {
	loketest.Each(t, func(t *testing.T, engine string) {
		c := loketest.Core(t, engine)
		ctx := context.Background()
		r, creds, err := c.Resellers.CreateReseller(ctx, loket.NewResellerInput{Username: loketest.Username("sg")})
		if err != nil {
			t.Fatal(err)
		}
		is := func(key string) func(string) bool { return func(s string) bool { return s == key } }
		ra, err := c.Resellers.AuthenticateSigned(ctx, strings.ToUpper(r.Username), "127.0.0.1:1", is(creds.SecretKey))
		if err != nil || ra.ID != r.ID {
			t.Fatalf("signed with the secret key: %v, %v", ra, err)
		}
		_, err = c.Resellers.AuthenticateSigned(ctx, r.Username, "127.0.0.1:1", is(creds.APIKey))
		wantCode(t, err, loket.EUNAUTHORIZED)
		_, err = c.Resellers.AuthenticateSigned(ctx, "no-such-user", "127.0.0.1:1", is(creds.SecretKey))
		wantCode(t, err, loket.EUNAUTHORIZED)
		_, err = c.Resellers.AuthenticateSigned(ctx, "bad\x00name", "127.0.0.1:1", is(creds.SecretKey))
		wantCode(t, err, loket.EUNAUTHORIZED)

		allow := []string{"203.0.113.0/24"}
		if err := c.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{IPAllow: &allow}); err != nil {
			t.Fatal(err)
		}
		_, err = c.Resellers.AuthenticateSigned(ctx, r.Username, "198.51.100.7:5000", is(creds.SecretKey))
		if loket.ErrorReason(err) != loket.ReasonIPNotAllowed {
			t.Fatalf("outside the allowlist: %v", err)
		}
		// A wrong signature from outside says nothing about the allowlist.
		_, err = c.Resellers.AuthenticateSigned(ctx, r.Username, "198.51.100.7:5000", is("guess"))
		wantCode(t, err, loket.EUNAUTHORIZED)
		if _, err := c.Resellers.AuthenticateSigned(ctx, r.Username, "203.0.113.9:5000", is(creds.SecretKey)); err != nil {
			t.Fatalf("inside the allowlist: %v", err)
		}
		suspended := loket.ResellerSuspended
		if err := c.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{Status: &suspended}); err != nil {
			t.Fatal(err)
		}
		_, err = c.Resellers.AuthenticateSigned(ctx, r.Username, "203.0.113.9:5000", is(creds.SecretKey))
		if loket.ErrorReason(err) != loket.ReasonSuspended {
			t.Fatalf("suspended: %v", err)
		}
		active := loket.ResellerActive
		if err := c.Resellers.UpdateReseller(ctx, r.ID, loket.ResellerUpdate{Status: &active, IPAllow: &[]string{}}); err != nil {
			t.Fatal(err)
		}
		fresh, err := c.Resellers.RegenerateKeys(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Resellers.AuthenticateSigned(ctx, r.Username, "127.0.0.1:1", is(creds.SecretKey))
		wantCode(t, err, loket.EUNAUTHORIZED)
		if _, err := c.Resellers.AuthenticateSigned(ctx, r.Username, "127.0.0.1:1", is(fresh.SecretKey)); err != nil {
			t.Fatalf("the new secret key: %v", err)
		}
	})
}
