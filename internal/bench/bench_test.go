package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
)

// startServer runs a whole Loket with the demo catalog on a SQLite file and returns
// its URL and database URL.
func startServer(t *testing.T) (url, dbURL string) {
	t.Helper()
	dbURL = "sqlite:" + filepath.Join(t.TempDir(), "loket.db")
	cfg, _, err := config.Load("loket", []string{"--addr=127.0.0.1:0", "--database-url=" + dbURL, "--sim-delay=50ms"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	prepare := func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	}
	s, err := server.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, prepare)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return s.URL, dbURL
}

func TestBenchEndToEnd(t *testing.T) {
	url, dbURL := startServer(t)
	// Without --url, bench finds the server at LOKET_ADDR, as `loket serve` listens.
	common := []string{"--addr", strings.TrimPrefix(url, "http://"), "--database-url=" + dbURL, "--resellers", "3", "--clients", "8"}

	t.Run("closed loop, hot reseller", func(t *testing.T) {
		var out bytes.Buffer
		// The server runs in this process: --pid is ours.
		args := slices.Concat(common, []string{"--duration", "1s", "--hot", "0.5", "--json", "--pid", strconv.Itoa(os.Getpid())})
		if err := Main(args, &out); err != nil {
			t.Fatalf("Main: %v\n%s", err, out.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report is not one JSON object: %v\n%s", err, out.String())
		}
		if !rep.OK || len(rep.Checks) != 3 {
			t.Fatalf("checks: %+v", rep.Checks)
		}
		for _, c := range rep.Checks {
			if !c.OK {
				t.Errorf("check %s failed: %s", c.Name, c.Detail)
			}
		}
		if rep.Acknowledged == 0 || rep.ErrorTotal != 0 || rep.Sent != rep.Acknowledged {
			t.Errorf("sent %d, acknowledged %d, errors %+v", rep.Sent, rep.Acknowledged, rep.Errors)
		}
		if rep.Final.Orders != rep.Acknowledged || rep.Final.Success != rep.Acknowledged || rep.Final.Pending != 0 {
			t.Errorf("database holds %+v for %d acknowledged orders", rep.Final, rep.Acknowledged)
		}
		if rep.LatencyMS.P50 <= 0 || rep.LatencyMS.P99 < rep.LatencyMS.P50 || rep.LatencyMS.Max < rep.LatencyMS.P99 {
			t.Errorf("latency %+v", rep.LatencyMS)
		}
		if rep.ServerCPUPerOrderUS <= 0 || rep.ServerPeakRSSMB <= 0 || rep.BenchCPUPerOrderUS <= 0 {
			t.Errorf("server CPU %v µs an order, peak RSS %v MB, bench CPU %v µs an order", rep.ServerCPUPerOrderUS, rep.ServerPeakRSSMB, rep.BenchCPUPerOrderUS)
		}
		t.Logf("%d orders, %.0f/s, latency %+v, %.0f µs CPU an order", rep.Acknowledged, rep.OrdersPerSec, rep.LatencyMS, rep.ServerCPUPerOrderUS)
	})

	t.Run("open loop, text report", func(t *testing.T) {
		var out bytes.Buffer
		args := slices.Concat(common, []string{"--duration", "500ms", "--rate", "100", "--json"})
		if err := Main(args, &out); err != nil {
			t.Fatalf("Main: %v\n%s", err, out.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report is not one JSON object: %v\n%s", err, out.String())
		}
		// 50 orders are due in 500ms at 100/s; a slow machine (-race) may fall behind.
		if rep.Sent+rep.Unsent != 50 || rep.Sent == 0 || rep.Acknowledged != rep.Sent || !rep.OK {
			t.Errorf("sent %d, unsent %d, acknowledged %d, checks %+v", rep.Sent, rep.Unsent, rep.Acknowledged, rep.Checks)
		}
		var text bytes.Buffer
		printText(&text, &rep)
		for _, want := range []string{"acknowledged " + strconv.Itoa(rep.Acknowledged) + ",", "errors 0", "rate 100/s (open loop)",
			"latency ms  p50 ", "ok    acknowledged orders exist exactly once", "ok    ledger invariants", "ok    balances match orders"} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, text.String())
			}
		}
	})

	t.Run("wrong database", func(t *testing.T) {
		other := "sqlite:" + filepath.Join(t.TempDir(), "other.db")
		db, err := server.OpenDB(context.Background(), &config.Config{DatabaseURL: other})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := catalog.LoadDemo(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		db.Close()
		err = Main([]string{"--url", url, "--database-url=" + other, "--resellers", "1", "--duration", "100ms"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "same database") {
			t.Errorf("bench against a server on another database: %v", err)
		}
	})

	t.Run("flags", func(t *testing.T) {
		for _, args := range [][]string{{"--hot", "1.5"}, {"--clients", "0"}, {"--rate", "-1"}, {"--prefix", "0712"}, {"--pid", "-1"}, {"stray"}} {
			if err := Main(args, io.Discard); err == nil {
				t.Errorf("Main(%q) accepted", args)
			}
		}
		var out bytes.Buffer
		if err := Main([]string{"-h"}, &out); err != nil || !strings.Contains(out.String(), "-database-url") {
			t.Errorf("-h: %v\n%s", err, out.String())
		}
	})
}
