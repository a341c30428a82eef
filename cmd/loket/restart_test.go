package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loket/loket/internal/store/storetest"
)

// TestRestartAfterKill runs the real binary, kills it hard in the middle of a load of
// orders, starts it again on the same database, and checks that every order it had
// acknowledged is there once, that pending orders resume to a final state, and that
// the ledger holds.
func TestRestartAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "loket")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { restartOnce(t, bin, storetest.URL(t, engine)) })
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func restartOnce(t *testing.T, bin, dbURL string) {
	addr := freeAddr(t)
	env := append(os.Environ(), "LOKET_DATABASE_URL="+dbURL, "LOKET_ADDR="+addr, "LOKET_SIM_DELAY=300ms",
		"LOKET_SUPPLIER_TIMEOUT=300ms", "LOKET_LOG_FORMAT=json")
	run := func(args ...string) []byte {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("loket %v: %v", args, err)
		}
		return out
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "demo")
		cmd.Env = env
		var logs bytes.Buffer
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		t.Fatalf("server did not come up:\n%s", logs.String())
		return nil
	}
	srv := start()
	var creds struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(run("reseller", "create", "--username", "kill", "--balance", "100000000"), &creds); err != nil {
		t.Fatal(err)
	}

	type ack struct{ ref, id string }
	var mu sync.Mutex
	var acked []ack
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for c := 0; c < 16; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				ref := fmt.Sprintf("k%d-%d", c, i)
				// Last digits 0, 3, 5: instant success, late success, no answer.
				target := fmt.Sprintf("0812%05d%02d%d", c, i%100, []int{0, 3, 5}[i%3])
				body := fmt.Sprintf(`{"product":"HSA5","target":%q,"ref_id":%q}`, target, ref)
				req, _ := http.NewRequest("POST", "http://"+addr+"/v1/orders", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+creds.APIKey)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var o struct {
					ID json.Number `json:"id"`
				}
				json.NewDecoder(resp.Body).Decode(&o)
				resp.Body.Close()
				if resp.StatusCode == 201 || resp.StatusCode == 200 {
					mu.Lock()
					acked = append(acked, ack{ref, o.ID.String()})
					mu.Unlock()
				}
			}
		}(c)
	}
	time.Sleep(1500 * time.Millisecond)
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	cancel()
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d orders acknowledged before the kill", len(acked))
	}

	srv = start()
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	get := func(path string, v any) int {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+creds.APIKey)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(v)
		return resp.StatusCode
	}
	for _, a := range acked {
		var list struct {
			Orders []struct {
				ID json.Number `json:"id"`
			} `json:"orders"`
		}
		if code := get("/v1/orders?ref_id="+a.ref, &list); code != 200 || len(list.Orders) != 1 || list.Orders[0].ID.String() != a.id {
			t.Fatalf("acknowledged order %s (id %s) after restart: status %d, found %+v", a.ref, a.id, code, list.Orders)
		}
	}
	// Every pending order resumes and reaches a final state.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var list struct {
			Orders []json.RawMessage `json:"orders"`
		}
		get("/v1/orders?status=pending&limit=200", &list)
		if len(list.Orders) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d orders still pending 30s after restart", len(list.Orders))
		}
		time.Sleep(200 * time.Millisecond)
	}
	out := run("ledger", "verify")
	if !bytes.Contains(out, []byte(`"ok":true`)) {
		t.Fatalf("ledger verify: %s", out)
	}
	t.Logf("%d orders acknowledged before the kill; all present after restart, none pending, ledger verified", len(acked))
}
