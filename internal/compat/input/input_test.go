package input

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

func read(t *testing.T, ctype, query, body string) (Params, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/x?"+query, strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return Read(httptest.NewRecorder(), r)
}

func TestRead(t *testing.T) {
	for _, c := range []struct {
		name, ctype, query, body string
		want                     map[string]string
	}{
		{"query only", "", "A=1&b=x&b=y", "", map[string]string{"a": "1", "b": "x"}},
		{"json, any content type", "text/plain", "a=q", ` {"A":"j","n":55.0,"ok":true,"z":null} `,
			map[string]string{"a": "j", "n": "55.0", "ok": "true"}},
		{"json by content type", "application/json; charset=utf-8", "", `{"k":7}`, map[string]string{"k": "7"}},
		{"form", "application/x-www-form-urlencoded", "a=q&c=3", "a=f&B=2", map[string]string{"a": "f", "b": "2", "c": "3"}},
		{"form without content type", "", "", "x=1", map[string]string{"x": "1"}},
		{"blank body", "application/json", "a=1", "  \n", map[string]string{"a": "1"}},
	} {
		p, err := read(t, c.ctype, c.query, c.body)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(p) != len(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, p, c.want)
		}
		for k, v := range c.want {
			if p[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, p[k], v)
			}
		}
	}
}

func TestReadMultipart(t *testing.T) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("Layanan", "55")
	mw.Close()
	p, err := read(t, mw.FormDataContentType(), "", b.String())
	if err != nil || p.Get("layanan") != "55" {
		t.Fatalf("got %v, %v", p, err)
	}
}

func TestReadBad(t *testing.T) {
	for _, c := range []struct {
		name, ctype, body string
		code              string
	}{
		{"json array", "", `[1]`, loket.EINVALID},
		{"broken json", "application/json", `{"a":`, loket.EINVALID},
		{"nested value", "", `{"a":{"b":1}}`, loket.EINVALID},
		{"bad form", "application/x-www-form-urlencoded", "a=%zz", loket.EINVALID},
		{"bad multipart", "multipart/form-data; boundary=x", "nope", loket.EINVALID},
		{"too large", "", "a=" + strings.Repeat("x", int(httpx.MaxBody)), loket.ETOOLARGE},
		{"NUL in json", "", `{"id":"a\u0000"}`, loket.EINVALID},
		{"invalid UTF-8 in json", "", "{\"id\":\"a\xff\"}", loket.EINVALID},
		{"NUL in a form", "", "id=a%00", loket.EINVALID},
		{"invalid UTF-8 in a form", "", "id=a%FF", loket.EINVALID},
		{"escape in a name", "", "a%1B=1", loket.EINVALID},
		{"long value", "", "id=" + strings.Repeat("x", loket.MaxText+1), loket.EINVALID},
	} {
		_, err := read(t, c.ctype, "", c.body)
		if got := loket.ErrorCode(err); got != c.code {
			t.Errorf("%s: got %v (%s), want %s", c.name, err, got, c.code)
		}
	}
}

func TestCheckQueryAndPath(t *testing.T) {
	for _, target := range []string{"/x?id=a%00", "/x/a%00/b", "/x?id=%FF"} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		_, err := Read(httptest.NewRecorder(), r)
		if loket.ErrorCode(err) != loket.EINVALID {
			t.Errorf("%s: %v, want EINVALID", target, err)
		}
	}
}

func TestTextMessage(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{loket.CheckText("id", "a\x00", 10), "id berisi karakter kontrol (misalnya NUL atau ganti baris) yang tidak diizinkan."},
		{loket.CheckText("id", "a\xff", 10), "id harus berupa teks UTF-8 yang valid."},
		{loket.CheckText("id", "abcdefghijk", 10), "id terlalu panjang (maksimal 10 byte)."},
	} {
		if got, ok := TextMessage(c.err); !ok || got != c.want {
			t.Errorf("TextMessage(%v) = %q, %v; want %q", c.err, got, ok, c.want)
		}
	}
	if _, ok := TextMessage(loket.Errorf(loket.EINVALID, "other")); ok {
		t.Error("TextMessage words an error that is not a text refusal")
	}
}

func TestGetHas(t *testing.T) {
	p := Params{"apikey": " k ", "empty": ""}
	if p.Get("APIKEY") != "k" || p.Get("nope", "apikey") != "k" || p.Get("nope") != "" {
		t.Errorf("Get: %v", p)
	}
	if !p.Has("Empty") || p.Has("nope") {
		t.Errorf("Has: %v", p)
	}
}

func TestAPIKey(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if got := APIKey(r, Params{"api_key": "q"}); got != "q" {
		t.Errorf("from params: %q", got)
	}
	r.Header.Set("x-api-key", "h")
	if got := APIKey(r, Params{"apikey": "q"}); got != "h" {
		t.Errorf("from header: %q", got)
	}
	r.Header.Set("Authorization", "Bearer b")
	if got := APIKey(r, Params{"apikey": "q"}); got != "b" {
		t.Errorf("from bearer: %q", got)
	}
}

func TestParseID(t *testing.T) {
	for s, want := range map[string]int64{"55": 55, " 55 ": 55, "55.0": 55, "0": 0, "-1": 0, "5.5": 0, "x": 0, "1e15": 0} {
		n, ok := ParseID(s)
		if n != want || ok != (want > 0) {
			t.Errorf("ParseID(%q) = %d, %v", s, n, ok)
		}
	}
}
