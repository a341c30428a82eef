package chestcloudx_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/loketest"
	"github.com/loket/loket/internal/server"
)

// simDelay is LOKET_SIM_DELAY of every test server (process-wide): long enough that an
// order to a target ending 9 is still pending when the next request comes.
const simDelay = 500 * time.Millisecond

// start runs a whole Loket (loketest.Start) with this package's simDelay, and
// self-registration turned on, as the demo has it (serve has it off).
func start(t testing.TB, engine string) *server.Server {
	t.Helper()
	s := loketest.Start(t, engine, "--sim-delay="+simDelay.String())
	if err := s.DB.SetSetting(context.Background(), loket.SettingSelfRegistration, "on"); err != nil {
		t.Fatal(err)
	}
	return s
}

// resp is an answer, with its body decoded as generic JSON so tests see JSON types.
type resp loketest.JSON

// do sends a request; body is sent as is ("": none). header is name, value pairs.
func do(t testing.TB, method, url string, body string, header ...string) resp {
	t.Helper()
	return resp(loketest.DoJSON(t, method, url, body, header...))
}

// postJSON is the seed's curl: POST with Content-Type: application/json.
func postJSON(t testing.TB, url, body string, header ...string) resp {
	t.Helper()
	return do(t, http.MethodPost, url, body, append([]string{"Content-Type", "application/json"}, header...)...)
}

// data checks the success envelope {"status":true,"data":{...}} and returns data.
func (r resp) data(t testing.TB) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK || r.Body["status"] != true {
		t.Fatalf("want 200 with status true, got %d %s", r.Status, r.Raw)
	}
	d, ok := r.Body["data"].(map[string]any)
	if !ok {
		t.Fatalf("data is not an object: %s", r.Raw)
	}
	return d
}

// failure checks the error envelope {"status":false,"message":"..."} with status and
// returns the message.
func (r resp) failure(t testing.TB, status int) string {
	t.Helper()
	return loketest.JSON(r).Failure(t, status, "status")
}

// waitStatus polls order/status until the order is no longer Pending.
func waitStatus(t testing.TB, base, key, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := do(t, http.MethodGet, base+"/order/status?apikey="+key+"&id="+id, "").data(t)
		if loketest.Str(t, d, "status") != "Pending" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s still Pending", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
