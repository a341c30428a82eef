// Package input is the liberal reading of request parameters for the compatibility
// surfaces, where real clients are sloppy: the query string, a JSON body (whatever the
// content type says) and a form body all count, numbers may come as strings and
// strings as numbers, and keys are matched without regard to case.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// Params is a request's input: the query string, a JSON body (whatever the content
// type says) and a form body all count, the body winning over the query. Keys are
// stored in lower case and matched without regard to case.
type Params map[string]string

// Get is the trimmed value of the first of keys present, or "".
func (p Params) Get(keys ...string) string {
	for _, k := range keys {
		if v, ok := p[strings.ToLower(k)]; ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Has reports whether key is present, even empty.
func (p Params) Has(key string) bool {
	_, ok := p[strings.ToLower(key)]
	return ok
}

// Read reads the input of r. A body that is not readable input is an EINVALID error
// (or ETOOLARGE); so is any text Check refuses.
func Read(w http.ResponseWriter, r *http.Request) (Params, error) {
	p, err := readInput(w, r)
	if err != nil {
		return nil, err
	}
	if err := Check(r, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Check applies loket.CheckText (at loket.MaxText) to a request's URL (httpx.CheckURL:
// the path, where some dialects carry arguments, and the query) and to every name and
// value of its parameters p, however they were read. Its error is EINVALID naming the
// parameter; a dialect words it with TextMessage.
func Check(r *http.Request, p map[string]string) error {
	if r != nil {
		if err := httpx.CheckURL(r); err != nil {
			return err
		}
	}
	vs := make(url.Values, len(p))
	for k, v := range p {
		vs[k] = []string{v}
	}
	return httpx.CheckValues("parameter", vs, nil)
}

// TextMessage words a refusal of loket.CheckText in Indonesian for the dialects (each
// calls it from its one error function), or reports false for any other error.
func TextMessage(err error) (string, bool) {
	field := loket.ErrorField(err)
	switch loket.ErrorReason(err) {
	case loket.ReasonNotUTF8:
		return fmt.Sprintf("%s harus berupa teks UTF-8 yang valid.", field), true
	case loket.ReasonControl:
		return fmt.Sprintf("%s berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan.", field), true
	case loket.ReasonTooLong:
		return fmt.Sprintf("%s terlalu panjang (maksimal %d byte).", field, loket.ErrorMax(err)), true
	}
	return "", false
}

// BillMessage words a bill refusal (no bill, paid, wrong customer, over the limit,
// expired, amount changed) in Indonesian for the JSON dialects, with the HTTP status
// they answer it with, or reports false for any other error.
func BillMessage(err error) (int, string, bool) {
	switch loket.ErrorCode(err) {
	case loket.ENOBILL:
		return http.StatusBadRequest, "Belum ada tagihan untuk nomor pelanggan ini.", true
	case loket.EBILLPAID:
		return http.StatusBadRequest, "Tagihan sudah dibayar.", true
	case loket.ECUSTOMER:
		return http.StatusBadRequest, "Nomor pelanggan tidak ditemukan.", true
	case loket.EOVERLIMIT:
		return http.StatusBadRequest, "Tagihan melebihi batas pembayaran.", true
	case loket.EEXPIRED:
		return http.StatusBadRequest, "Cek tagihan sudah kedaluwarsa, silakan cek ulang.", true
	case loket.EAMOUNT:
		return http.StatusConflict, "Jumlah tagihan berubah, silakan cek ulang.", true
	}
	return 0, "", false
}

func readInput(w http.ResponseWriter, r *http.Request) (Params, error) {
	p := Params{}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p[strings.ToLower(k)] = vs[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, loket.Errorf(loket.ETOOLARGE, "body lebih dari %d byte", httpx.MaxBody)
		}
		return nil, loket.Errorf(loket.EINVALID, "body tidak bisa dibaca")
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return p, nil
	}
	ctype, mp, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case body[0] == '{' || body[0] == '[' || strings.Contains(ctype, "json"):
		var m map[string]any
		if err := httpx.CheckJSON(body); err != nil {
			return nil, err
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		if err := d.Decode(&m); err != nil || m == nil {
			return nil, loket.Errorf(loket.EINVALID, "body bukan JSON object yang valid")
		}
		for k, v := range m {
			switch x := v.(type) {
			case string:
				p[strings.ToLower(k)] = x
			case json.Number:
				p[strings.ToLower(k)] = x.String()
			case bool:
				p[strings.ToLower(k)] = strconv.FormatBool(x)
			case nil:
				// null: as if absent
			default:
				return nil, loket.FieldError(loket.EINVALID, k, "field %q harus berupa teks atau angka", k)
			}
		}
	case ctype == "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
		f, err := mr.ReadForm(httpx.MaxBody)
		if err != nil {
			return nil, loket.Errorf(loket.EINVALID, "body form tidak valid")
		}
		defer f.RemoveAll()
		for k, vs := range f.Value {
			if len(vs) > 0 {
				p[strings.ToLower(k)] = vs[0]
			}
		}
	default:
		// application/x-www-form-urlencoded, or a form sent without a content type.
		vs, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, loket.Errorf(loket.EINVALID, "body tidak valid: kirim JSON atau form")
		}
		for k, v := range vs {
			if len(v) > 0 {
				p[strings.ToLower(k)] = v[0]
			}
		}
	}
	return p, nil
}

// APIKey is the key a request presents: Authorization: Bearer, an X-API-Key header
// (any case), or apikey / api_key / key in the query or the body.
func APIKey(r *http.Request, p Params) string {
	if k := strings.TrimSpace(httpx.APIKey(r)); k != "" {
		return k
	}
	return p.Get("apikey", "api_key", "key")
}

// ParseID reads a positive whole number that may arrive as "55", 55 or 55.0.
func ParseID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e15 && f == float64(int64(f)) {
		return int64(f), true
	}
	return 0, false
}
