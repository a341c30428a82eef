package warungnokos_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/compat/warungnokos"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// start runs a whole Loket (loketest.Start), with this surface mounted exactly once.
// Open activations are polled every 50ms, so a simulated code shows within the sim
// delay plus that; flags may change it and the activation window (--vn-timeout).
func start(t testing.TB, engine string, flags ...string) *server.Server {
	t.Helper()
	s := loketest.Start(t, engine, append([]string{"--vn-poll=50ms"}, flags...)...)
	// server.Start mounts the surfaces it lists; until this one is among them, mount it
	// here (a second registration of the same pattern would panic).
	probe, _ := http.NewRequest(http.MethodGet, s.URL+"/compat/warungnokos/api/otp/services", nil)
	if _, pattern := s.API.Mux.Handler(probe); !strings.HasPrefix(pattern, "/compat/warungnokos/") {
		warungnokos.Mount(s.API.Mux, s.Core.Services())
	}
	return s
}

type reseller struct {
	ID   int64
	Name string
	Key  string
}

// newReseller makes a reseller of level ("" for the default) with an opening balance.
func newReseller(t testing.TB, s *server.Server, level string, balance int64) *reseller {
	t.Helper()
	name := loketest.Username("wn")
	r := loketest.CreateReseller(t, s, loket.NewResellerInput{Username: name, Email: name + "@mail.com",
		Level: level, Balance: loket.Money(balance)})
	return &reseller{ID: r.ID, Name: r.Username, Key: r.Creds.APIKey}
}

func suspend(t testing.TB, s *server.Server, id int64) {
	t.Helper()
	st := loket.ResellerSuspended
	if err := s.Core.Resellers.UpdateReseller(context.Background(), id, loket.ResellerUpdate{Status: &st}); err != nil {
		t.Fatal(err)
	}
}

// resp is an answer, its body decoded as generic JSON so tests see JSON types.
type resp loketest.JSON

// do sends a request; body is sent as is ("": none). header is name, value pairs.
func do(t testing.TB, method, url, body string, header ...string) resp {
	t.Helper()
	return resp(loketest.DoJSON(t, method, url, body, header...))
}

// get is the seed's axios GET: x-api-key and Accept: application/json.
func get(t testing.TB, url, key string) resp {
	t.Helper()
	return do(t, http.MethodGet, url, "", "x-api-key", key, "Accept", "application/json")
}

// post is the seed's axios POST: x-api-key and Content-Type: application/json.
func post(t testing.TB, url, key, body string) resp {
	t.Helper()
	return do(t, http.MethodPost, url, body, "x-api-key", key, "Content-Type", "application/json")
}

// data checks the success envelope {"success":true,"data":...} and returns data.
func (r resp) data(t testing.TB) any {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["success"] != true {
		t.Fatalf("want 200 with success true, got %d %s", r.Status, r.Raw)
	}
	if len(r.Body) != 2 {
		t.Errorf("success body has fields beyond success and data: %s", r.Raw)
	}
	return r.Body["data"]
}

func (r resp) object(t testing.TB) map[string]any {
	t.Helper()
	d, ok := r.data(t).(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Raw)
	}
	return d
}

func (r resp) list(t testing.TB) []map[string]any {
	t.Helper()
	d, ok := r.data(t).([]any)
	if !ok {
		t.Fatalf("data is not a list: %s", r.Raw)
	}
	out := make([]map[string]any, 0, len(d))
	for _, x := range d {
		m, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("data item is not an object: %s", r.Raw)
		}
		out = append(out, m)
	}
	return out
}

// failure checks the error envelope {"success":false,"message":"..."} with status and
// returns the message.
func (r resp) failure(t testing.TB, status int) string {
	t.Helper()
	return loketest.JSON(r).Failure(t, status, "success")
}

// waitStatus polls otp/status until it answers want, or fails the test after 5s.
func waitStatus(t testing.TB, base, key, trx, want string) resp {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get(t, base+"/otp/status/"+trx, key)
		if r.Status != http.StatusOK || r.Body["success"] != true {
			t.Fatalf("status %s: %d %s", trx, r.Status, r.Raw)
		}
		if r.Body["status"] == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %s is %v after 5s, want %s: %s", trx, r.Body["status"], want, r.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
