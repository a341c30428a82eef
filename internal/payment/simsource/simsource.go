// Package simsource is the simulated payment source of CONTRACT.md: an http.Handler
// that speaks seed 003's protocol (OrderKuota's Orkut mutasi API) for demos and tests,
// so that the orderkuota client pointed at it sees what it would see from the real
// service. POST /pay records an incoming QRIS payment, as a customer paying with their
// e-wallet would.
//
// Paths are relative: Loket mounts the handler at /sim/orderkuota/ with
// http.StripPrefix("/sim/orderkuota", sim.Handler()). Any API key and any auth token
// are accepted; the login OTP is always 123456. Payments live in memory, the last
// MaxPayments of them; references are random, so a restarted simulator is most
// unlikely to reissue one an earlier run used (Loket credits each reference once).
package simsource

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loket/loket/internal/httpx"
)

const (
	// MaxPayments is how many payments the simulator remembers.
	MaxPayments = 10_000
	// MaxAmount bounds a simulated payment (Rp 100 million).
	MaxAmount = 100_000_000
	// OTP is the login code that always works.
	OTP = "123456"
)

// wib is the source's local time: the seed writes times in WIB without a zone.
var wib = time.FixedZone("WIB", 7*3600)

const maxRequest = 64 << 10

// Sim is a simulated OrderKuota account. Safe for concurrent use.
type Sim struct {
	now func() time.Time

	mu      sync.Mutex
	ring    []Payment // ring[(start+i)%len(ring)], i < n, oldest first
	start   int
	n       int
	refs    map[string]struct{} // issuer_reff and ids in ring, to keep them unique
	balance int64
	key     string
}

// Payment is one simulated incoming payment.
type Payment struct {
	ID      int64  // its id in /mutasi (history)
	Ref     string // its issuer_reff in /kasir/orkut answers
	Amount  int64  // rupiah
	Brand   string // brand_name: DANA, OVO, ... or QRIS
	Buyer   string // buyer_reff
	At      time.Time
	Balance int64 // the account's QRIS balance after it
}

// New returns an empty simulator.
func New() *Sim { return newSim(MaxPayments) }

func newSim(max int) *Sim {
	b := make([]byte, 8)
	rand.Read(b)
	return &Sim{
		now:  time.Now,
		ring: make([]Payment, max),
		refs: make(map[string]struct{}),
		key:  hex.EncodeToString(b),
	}
}

// Pay records an incoming payment of amount (1..MaxAmount) through brand (default
// QRIS) from buyer, as POST /pay does, and returns it.
func (s *Sim) Pay(amount int64, brand, buyer string) (Payment, error) {
	if amount < 1 || amount > MaxAmount {
		return Payment{}, fmt.Errorf("amount must be 1..%d", MaxAmount)
	}
	if brand == "" {
		brand = "QRIS"
	}
	if buyer == "" {
		buyer = "NOBU / SIM*******"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := Payment{Amount: amount, Brand: brand, Buyer: buyer, At: s.now()}
	for {
		p.Ref = fmt.Sprintf("%012d", randInt(1_000_000_000_000))
		p.ID = 100_000_000 + randInt(900_000_000)
		_, a := s.refs[p.Ref]
		_, b := s.refs[strconv.FormatInt(p.ID, 10)]
		if !a && !b {
			break
		}
	}
	s.balance += amount
	p.Balance = s.balance
	if s.n == len(s.ring) {
		old := s.ring[s.start]
		delete(s.refs, old.Ref)
		delete(s.refs, strconv.FormatInt(old.ID, 10))
		s.start = (s.start + 1) % len(s.ring)
		s.n--
	}
	s.ring[(s.start+s.n)%len(s.ring)] = p
	s.n++
	s.refs[p.Ref] = struct{}{}
	s.refs[strconv.FormatInt(p.ID, 10)] = struct{}{}
	return p, nil
}

// newest returns the remembered payments that keep, newest first.
func (s *Sim) newest(keep func(Payment) bool) []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Payment
	for i := s.n - 1; i >= 0; i-- {
		p := s.ring[(s.start+i)%len(s.ring)]
		if keep == nil || keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func randInt(max int64) int64 {
	n, err := rand.Int(rand.Reader, big.NewInt(max))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Int64()
}

// Handler serves the seed's endpoints and POST /pay, on paths relative to its mount.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /pay", s.pay)
	mux.HandleFunc("POST /minta-otp", s.auth(s.requestOTP))
	mux.HandleFunc("POST /valid-otp", s.auth(s.validOTP))
	mux.HandleFunc("POST /kasir/orkut/generate", s.auth(s.generate))
	mux.HandleFunc("POST /kasir/orkut/status-pembayaran", s.auth(s.status))
	mux.HandleFunc("POST /kasir/orkut/mutasi", s.auth(s.mutasi))
	mux.HandleFunc("POST /mutasi", s.auth(s.history))
	mux.HandleFunc("GET /static/qris/{file}", s.qrImage)
	return mux
}

// auth wants an Authorization: Bearer header, as the seed says every endpoint does;
// any key is accepted.
func (s *Sim) auth(h func(http.ResponseWriter, *http.Request, fields)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := r.Header.Get("Authorization")
		if len(a) < len("Bearer x") || !strings.EqualFold(a[:7], "Bearer ") {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"success": false, "message": "Unauthorized"})
			return
		}
		f, err := readFields(w, r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": "Fields tidak benar!"})
			return
		}
		h(w, r, f)
	}
}

// fields is a request's JSON object, each value read as text.
type fields map[string]string

func readFields(w http.ResponseWriter, r *http.Request) (fields, error) {
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequest)).Decode(&raw); err != nil {
		return nil, err
	}
	f := fields{}
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		var s string
		switch {
		case len(v) > 0 && v[0] == '"':
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
		case string(v) == "null":
		default:
			s = string(v)
		}
		f[k] = strings.TrimSpace(s)
	}
	return f, nil
}

// has reports whether every key is given and not empty.
func (f fields) has(keys ...string) bool {
	for _, k := range keys {
		if f[k] == "" {
			return false
		}
	}
	return true
}

var errFields = map[string]any{"success": false, "message": "Fields tidak benar!"}

func parseAmount(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxAmount {
		return 0, fmt.Errorf("amount must be a whole number 1..%d, got %q", MaxAmount, s)
	}
	return n, nil
}

func (s *Sim) pay(w http.ResponseWriter, r *http.Request) {
	f, err := readFields(w, r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": "body must be a JSON object: " + err.Error()})
		return
	}
	amount, err := parseAmount(f["amount"])
	if err == nil {
		var p Payment
		if p, err = s.Pay(amount, f["brand_name"], f["buyer_reff"]); err == nil {
			writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": mutasiShape(p)})
			return
		}
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "message": err.Error()})
}

func (s *Sim) requestOTP(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("username", "password") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "OTP telah dikirim (simulator: " + OTP + ")"})
}

func (s *Sim) validOTP(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("username", "otp") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	if f["otp"] != OTP {
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "message": "OTP tidak valid"})
		return
	}
	b := make([]byte, 12)
	rand.Read(b)
	writeJSON(w, http.StatusOK, map[string]any{
		"success": true,
		"message": "Login berhasil",
		"results": map[string]any{"username": f["username"], "token": "sim:" + hex.EncodeToString(b)},
	})
}

func (s *Sim) generate(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("auth_username", "auth_token", "merchant", "nominal") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	n, err := parseAmount(f["nominal"])
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"error": "Gagal generate QRIS"})
		return
	}
	nominal := strconv.FormatInt(n, 10)
	writeJSON(w, http.StatusOK, map[string]any{
		"success":   true,
		"nominal":   nominal,
		"image_url": baseURL(r) + "/static/qris/" + nominal + ".png",
		"qr_string": qrisString(f["merchant"], n),
	})
}

func (s *Sim) status(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("auth_username", "auth_token", "merchant", "nominal") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	n, _ := parseAmount(f["nominal"])
	found := s.newest(func(p Payment) bool { return p.Amount == n })
	if len(found) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"status": "success", "message": "no data"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "data": mutasiList(found)})
}

func (s *Sim) mutasi(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("auth_username", "auth_token", "merchant") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	merchant := strings.TrimPrefix(strings.TrimPrefix(f["merchant"], "OK"), "ok")
	all := s.newest(nil)
	if len(all) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{
			"status": "success", "message": "no data", "data": nil, "merchant": merchant, "key": s.key})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "success", "message": nil, "data": mutasiList(all), "merchant": merchant, "key": s.key})
}

func (s *Sim) history(w http.ResponseWriter, r *http.Request, f fields) {
	if !f.has("merchant_id", "auth_username", "auth_token") {
		writeJSON(w, http.StatusBadRequest, errFields)
		return
	}
	all := s.newest(nil)
	results := make([]historyEntry, 0, len(all))
	for _, p := range all {
		results = append(results, historyEntry{
			ID:         p.ID,
			Debet:      "0",
			Kredit:     dotted(p.Amount),
			SaldoAkhir: dotted(p.Balance),
			Keterangan: p.Buyer,
			Tanggal:    p.At.In(wib).Format("02/01/2006 15:04"),
			Status:     "IN",
			Fee:        "",
			Brand: brand{
				Name: p.Brand,
				Logo: "https://app.orderkuota.com/assets/qris/" + strings.ToLower(p.Brand) + ".png",
			},
		})
	}
	s.mu.Lock()
	bal := s.balance
	s.mu.Unlock()
	id, _ := strconv.ParseInt(f["merchant_id"], 10, 64)
	writeJSON(w, http.StatusOK, map[string]any{
		"success": true,
		"qris_history": map[string]any{
			"success": true, "total": len(results), "page": 1, "pages": 1, "results": results,
		},
		"account": map[string]any{
			"success": true,
			"results": map[string]any{
				"id": id, "username": f["auth_username"], "name": f["auth_username"],
				"email": "", "phone": "",
				"balance": 0, "balance_str": "Rp 0",
				"qris_balance": bal, "qris_balance_str": "Rp " + dotted(bal),
				"qrcode": "", "qris": "", "qris_name": "LOKET SIMULATOR",
			},
		},
	})
}

// mutasiEntry is the seed's payment shape in the /kasir/orkut answers.
type mutasiEntry struct {
	Date       string `json:"date"`
	Amount     string `json:"amount"`
	Type       string `json:"type"`
	QRIS       string `json:"qris"`
	BrandName  string `json:"brand_name"`
	IssuerReff string `json:"issuer_reff"`
	BuyerReff  string `json:"buyer_reff"`
	Balance    string `json:"balance"`
}

func mutasiShape(p Payment) mutasiEntry {
	return mutasiEntry{
		Date:       p.At.In(wib).Format("2006-01-02 15:04:05"),
		Amount:     strconv.FormatInt(p.Amount, 10),
		Type:       "CR",
		QRIS:       "static",
		BrandName:  p.Brand,
		IssuerReff: p.Ref,
		BuyerReff:  p.Buyer,
		Balance:    strconv.FormatInt(p.Balance, 10),
	}
}

func mutasiList(ps []Payment) []mutasiEntry {
	out := make([]mutasiEntry, len(ps))
	for i, p := range ps {
		out[i] = mutasiShape(p)
	}
	return out
}

// historyEntry is the seed's shape of /mutasi's qris_history.results.
type historyEntry struct {
	ID         int64  `json:"id"`
	Debet      string `json:"debet"`
	Kredit     string `json:"kredit"`
	SaldoAkhir string `json:"saldo_akhir"`
	Keterangan string `json:"keterangan"`
	Tanggal    string `json:"tanggal"`
	Status     string `json:"status"`
	Fee        string `json:"fee"`
	Brand      brand  `json:"brand"`
}

type brand struct {
	Name string `json:"name"`
	Logo string `json:"logo"`
}

// dotted writes n with dots between thousands, as the seed's saldo_akhir "77.777".
func dotted(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"success":false,"message":"internal error"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// baseURL is where the client reached the handler, mount prefix included, so that
// image_url works under /sim/orderkuota as well as at the root.
func baseURL(r *http.Request) string {
	prefix := ""
	if full := strings.SplitN(r.RequestURI, "?", 2)[0]; strings.HasSuffix(full, r.URL.Path) {
		prefix = strings.TrimSuffix(full, r.URL.Path)
	}
	return httpx.Scheme(r) + "://" + httpx.Host(r) + prefix
}

// qrisString builds a dynamic QRIS (EMVCo TLV with CRC) for nominal. It looks like a
// real one and checks out, but pays into nothing.
func qrisString(merchant string, nominal int64) string {
	tlv := func(tag, v string) string { return fmt.Sprintf("%s%02d%s", tag, len(v), v) }
	if len(merchant) > 15 {
		merchant = merchant[:15]
	}
	s := tlv("00", "01") + tlv("01", "12") +
		tlv("26", tlv("00", "ID.LOKET.SIM")+tlv("01", "9360000000000000")+tlv("02", merchant)+tlv("03", "UMI")) +
		tlv("51", tlv("00", "ID.CO.QRIS.WWW")+tlv("02", "ID1020000000001")+tlv("03", "UMI")) +
		tlv("52", "5499") + tlv("53", "360") + tlv("54", strconv.FormatInt(nominal, 10)) +
		tlv("58", "ID") + tlv("59", "LOKET SIMULATOR") + tlv("60", "JAKARTA") + tlv("61", "10110") +
		"6304"
	return s + fmt.Sprintf("%04X", crc16(s))
}

// crc16 is CRC-16/CCITT-FALSE, the checksum QRIS uses.
func crc16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for j := 0; j < 8; j++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// qrImage draws a placeholder for /static/qris/{nominal}.png: a QR-like pattern
// that differs per nominal. It does not scan.
func (s *Sim) qrImage(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	n, err := parseAmount(name)
	if !ok || err != nil {
		http.NotFound(w, r)
		return
	}
	const modules, scale, quiet = 25, 8, 4
	size := (modules + 2*quiet) * scale
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	code := qrisString("SIM", n)
	for y := 0; y < modules; y++ {
		for x := 0; x < modules; x++ {
			h := crc16(code + strconv.Itoa(y*modules+x))
			if h&1 == 0 {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, color.Gray{})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(buf.Bytes())
}
