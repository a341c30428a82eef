package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/server"
)

// The CLI reads run --loket as a process; the test binary stands in for loket when
// LOKET_BENCH_FAKE_CLI is set, printing its arguments and the database it was given.
func TestMain(m *testing.M) {
	if os.Getenv("LOKET_BENCH_FAKE_CLI") == "1" {
		fmt.Println(strings.Join(os.Args[1:], " "), os.Getenv("LOKET_DATABASE_URL"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestGrow(t *testing.T) {
	url, dbURL := startServer(t)
	t.Setenv("LOKET_BENCH_FAKE_CLI", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	common := []string{"grow", "--url", url, "--database-url=" + dbURL, "--resellers", "3", "--clients", "4",
		"--repeat", "2", "--quiet", "0", "--metrics-gap", "0", "--loket", self, "--json"}
	runGrow := func(t *testing.T, args ...string) GrowReport {
		t.Helper()
		var out bytes.Buffer
		if err := Main(slices.Concat(common, args), &out); err != nil {
			t.Fatalf("Main: %v\n%s", err, out.String())
		}
		var rep GrowReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report is not one JSON object: %v\n%s", err, out.String())
		}
		for _, cp := range rep.Checkpoints {
			for _, r := range cp.Reads {
				if r.Error != "" || len(r.TimesMS) != 2 || r.FirstMS != r.TimesMS[0] || r.MedianMS <= 0 {
					t.Errorf("at %d orders, %s: %+v", cp.Orders, r.Name, r)
				}
			}
		}
		return rep
	}

	t.Run("fill to checkpoints", func(t *testing.T) {
		rep := runGrow(t, "--at", "0,100,200", "--intake", "0", "--chunk", "60")
		if rep.Engine != "sqlite" || len(rep.Checkpoints) != 3 {
			t.Fatalf("%s, %d checkpoints: %+v", rep.Engine, len(rep.Checkpoints), rep.Checkpoints)
		}
		for i, want := range []int64{0, 100, 200} {
			cp := rep.Checkpoints[i]
			if cp.At != want || cp.Orders < want || cp.DBBytes <= 0 || cp.Intake != nil {
				t.Errorf("checkpoint %d: at %d, %d orders, %d bytes, intake %+v", i, cp.At, cp.Orders, cp.DBBytes, cp.Intake)
			}
			if i > 0 && (cp.Fill == nil || cp.Fill.Errors != 0 || cp.Fill.Acknowledged == 0) {
				t.Errorf("checkpoint %d: fill %+v", i, cp.Fill)
			}
		}
		// Every read ran at the last checkpoint, the dashboard's too (orders exist),
		// and the CLI ones as processes of --loket with the database.
		last := rep.Checkpoints[2]
		var names []string
		for _, r := range last.Reads {
			names = append(names, r.Name)
		}
		for _, want := range []string{"GET /metrics", "GET /admin", "GET /admin/orders ref=oldest", "GET /admin/orders status=failed",
			"GET /admin/reports 31 days", "GET /app", "CLI ledger verify"} {
			if !slices.Contains(names, want) {
				t.Errorf("reads %q lack %q", names, want)
			}
		}
		for _, r := range last.Reads {
			if r.Name == "CLI ledger verify" && r.Bytes != len("ledger verify "+dbURL+"\n") {
				t.Errorf("%s printed %d bytes", r.Name, r.Bytes)
			}
		}
		// The fill's mix: some orders failed at once.
		db, err := server.OpenDB(context.Background(), &config.Config{DatabaseURL: dbURL})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var failed int
		if err := db.R.QueryRow(`SELECT COUNT(*) FROM orders WHERE status = 'failed'`).Scan(&failed); err != nil || failed == 0 {
			t.Errorf("failed orders: %d, %v", failed, err)
		}
	})

	t.Run("intake at the current size, text", func(t *testing.T) {
		var out bytes.Buffer
		// The server runs in this process: --pid is ours.
		args := slices.Concat(common[:len(common)-1], []string{"--intake", "300ms", "--loket", "none", "--pid", strconv.Itoa(os.Getpid())})
		if err := Main(args, &out); err != nil {
			t.Fatalf("Main: %v\n%s", err, out.String())
		}
		for _, want := range []string{"checkpoint 1 (at 0)", "intake ", "orders/s", "µs an order", "GET /admin/orders target=none", "summary (sqlite"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("text report lacks %q:\n%s", want, out.String())
			}
		}
		if strings.Contains(out.String(), "CLI ") || strings.Contains(out.String(), "FAIL") {
			t.Errorf("text report:\n%s", out.String())
		}
	})

	t.Run("reads only", func(t *testing.T) {
		rep := runGrow(t, "--reads-only", "--orders", "1000000")
		if len(rep.Checkpoints) != 1 || rep.Checkpoints[0].Fill != nil || rep.Checkpoints[0].Intake != nil || rep.Checkpoints[0].Orders < 200 {
			t.Errorf("reads only: %+v", rep.Checkpoints)
		}
	})

	t.Run("flags", func(t *testing.T) {
		for _, args := range [][]string{{"--at", "x"}, {"--at", "-5"}, {"--repeat", "0"}, {"--clients", "0"}, {"--prefix", "0712"}, {"stray"}} {
			if err := Main(append([]string{"grow"}, args...), io.Discard); err == nil {
				t.Errorf("grow %q accepted", args)
			}
		}
		var out bytes.Buffer
		if err := Main([]string{"grow", "-h"}, &out); err != nil || !strings.Contains(out.String(), "-reads-only") || !strings.Contains(out.String(), "-database-url") {
			t.Errorf("grow -h: %v\n%s", err, out.String())
		}
	})
}
