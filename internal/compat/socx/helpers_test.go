package socx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loket/loket/internal/app"
	"github.com/loket/loket/internal/catalog"
	"github.com/loket/loket/internal/config"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/server"
	"github.com/loket/loket/internal/store"
	"github.com/loket/loket/internal/store/storetest"
)

const simDelay = 200 * time.Millisecond

func eachEngine(t *testing.T, f func(t *testing.T, engine string)) {
	t.Helper()
	for _, e := range storetest.Engines() {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			f(t, e)
		})
	}
}

func testLog() *slog.Logger {
	if os.Getenv("LOKET_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs a real server on port 0 over a fresh database of engine with the demo
// catalog, until the test ends.
func start(t testing.TB, engine string) *server.Server {
	t.Helper()
	args := []string{"--addr=127.0.0.1:0", "--database-url=" + storetest.URL(t, engine),
		"--sim-delay=" + simDelay.String(), "--allow-private-webhooks=1", "--supplier-timeout=300ms"}
	cfg, _, err := config.Load("loket", args)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Start(context.Background(), cfg, testLog(), nil, func(ctx context.Context, db *store.DB) error {
		_, err := catalog.LoadDemo(ctx, db)
		return err
	})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return s
}

var resellerSeq atomic.Int64

type reseller struct {
	ID    int64
	Creds loket.Credentials
}

func newReseller(t testing.TB, s *server.Server, balance int64) *reseller {
	t.Helper()
	name := fmt.Sprintf("sx%d_%d", resellerSeq.Add(1), time.Now().UnixNano()%1e6)
	r, creds, err := s.App.CreateReseller(context.Background(), app.NewResellerInput{Username: name, Balance: balance})
	if err != nil {
		t.Fatalf("create reseller: %v", err)
	}
	return &reseller{ID: r.ID, Creds: creds}
}

func balanceOf(t testing.TB, s *server.Server, id int64) int64 {
	t.Helper()
	r, err := s.DB.Reseller(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	return r.Balance
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// rawQuery, as a header name given to do, sets the request's query as is, unparsed.
const rawQuery = "\x00raw-query"

// do sends a request; header is name, value pairs.
func do(t testing.TB, method, url string, body []byte, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == rawQuery {
			req.URL.RawQuery = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// purchaseShape checks that b is exactly the seed's purchase object, with its JSON
// types, and decodes it.
func purchaseShape(t testing.TB, b []byte) purchase {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	want := map[string]string{"code": "string", "msisdn": "string", "request_id": "string", "rc": "string",
		"trxid": "number", "price": "number", "balance": "number", "sn": "string", "message": "string"}
	if len(m) != len(want) {
		t.Errorf("keys %v, want those of the seed %v", keys(m), want)
	}
	for k, typ := range want {
		v, ok := m[k]
		if !ok {
			t.Errorf("missing %q in %s", k, b)
			continue
		}
		got := "other"
		switch v.(type) {
		case string:
			got = "string"
		case float64:
			got = "number"
		}
		if got != typ {
			t.Errorf("%q is a %s (%v), want a %s", k, got, v, typ)
		}
	}
	var p purchase
	json.Unmarshal(b, &p)
	return p
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

type purchase struct {
	Code      string `json:"code"`
	MSISDN    string `json:"msisdn"`
	RequestID string `json:"request_id"`
	RC        string `json:"rc"`
	TrxID     int64  `json:"trxid"`
	Price     int64  `json:"price"`
	Balance   int64  `json:"balance"`
	SN        string `json:"sn"`
	Message   string `json:"message"`
}

// xmlStruct decodes an XML-RPC methodResponse or methodCall with one struct param
// into its members (all strings), or its fault.
type xmlDoc struct {
	XMLName    xml.Name
	MethodName string      `xml:"methodName"`
	Members    []xmlMember `xml:"params>param>value>struct>member"`
	Fault      []xmlMember `xml:"fault>value>struct>member"`
}

type xmlMember struct {
	Name   string `xml:"name"`
	String string `xml:"value>string"`
	Int    string `xml:"value>int"`
}

func parseXML(t testing.TB, b []byte) (doc xmlDoc, members map[string]string, order []string) {
	t.Helper()
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not XML: %v: %s", err, b)
	}
	members = map[string]string{}
	for _, m := range doc.Members {
		members[m.Name] = m.String
		order = append(order, m.Name)
	}
	for _, m := range doc.Fault {
		members[m.Name] = m.String + m.Int
	}
	return doc, members, order
}

// verifyLedger checks the ledger invariants, letting a settlement committing in the
// middle pass.
func verifyLedger(t testing.TB, s *server.Server) {
	t.Helper()
	var v []store.Violation
	for try := 0; try < 5; try++ {
		var err error
		v, err = s.DB.Verify(context.Background())
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if len(v) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, x := range v {
		t.Errorf("ledger: %s: %s", x.Invariant, x.Detail)
	}
}

func eq(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
