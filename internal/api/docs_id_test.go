package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDocsSummaryID: every route has its Indonesian summary, and no summary is left
// over from a route that is gone. Add one to summaryID (docs_id.go) with a new route.
func TestDocsSummaryID(t *testing.T) {
	s := docsServer(t)
	routes := map[string]bool{}
	for _, r := range s.Routes() {
		routes[r.Pattern] = true
		if strings.TrimSpace(summaryID[r.Pattern]) == "" {
			t.Errorf("summaryID lacks %q (English: %q)", r.Pattern, r.Summary)
		}
	}
	for p := range summaryID {
		if !routes[p] {
			t.Errorf("summaryID has %q, which is no route", p)
		}
	}
}

// TestDocsTextsID: the page in Indonesian leaves no text of the document in English:
// webhooks, query parameters, success answers and error codes all have their Indonesian.
func TestDocsTextsID(t *testing.T) {
	s := docsServer(t)
	doc := s.OpenAPI()
	for name := range doc.Webhooks {
		if w := webhookID[name]; w.Summary == "" || w.Description == "" {
			t.Errorf("webhookID lacks %s", name)
		}
	}
	page := docsView(doc, s.Routes(), "http://example.com", "en")
	for _, op := range append(page.Ops, page.Webhooks...) {
		for _, p := range op.Params {
			if _, ok := phraseID[p.Description]; p.Description != "" && !ok {
				t.Errorf("%s %s: parameter %s: no Indonesian for %q", op.Method, op.Path, p.Name, p.Description)
			}
		}
	}
	for _, op := range doc.Paths {
		for m, o := range op {
			for st, r := range o.Responses {
				if r.Description != http.StatusText(atoi(st)) && len(r.ErrorCodes) == 0 && phraseID[r.Description] == "" {
					t.Errorf("%s: response %s: no Indonesian for %q", m, st, r.Description)
				}
				if r.Description == http.StatusText(atoi(st)) && statusID[atoi(st)] == "" {
					t.Errorf("statusID lacks %s", st)
				}
				for _, c := range r.ErrorCodes {
					if statusID[atoi(st)] == "" {
						t.Errorf("statusID lacks %s", st)
					}
					if m := codeMeaning[c]; m.EN == "" || m.ID == "" {
						t.Errorf("codeMeaning lacks %s", c)
					}
				}
			}
		}
	}
}

func TestDocsLanguage(t *testing.T) {
	s := docsServer(t)
	id := []string{`<html lang="id">`, "Dokumentasi Loket API", "<h4>Parameter</h4>", "Jawaban", "Kode galat", "wajib", "Buat pesanan",
		"Autentikasi", "Keterangan", "API JSON bawaan Loket", "saldo Anda tidak cukup", `href="/lang/en?back=/docs"`}
	en := []string{`<html lang="en">`, "Loket API documentation", "<h4>Parameters</h4>", "Responses", "Error codes", "required", "Place an order",
		"Authentication", "Description", "Loket&#39;s native JSON API", "your balance does not cover it", `href="/lang/id?back=/docs"`}
	for _, tc := range []struct {
		name, target, cookie string
		want, not            []string
	}{
		{"default", "/docs", "", id, en},
		{"cookie id", "/docs", "id", id, en},
		{"cookie en", "/docs", "en", en, id},
		{"query en", "/docs?lang=en", "", en, id},
		{"query en over cookie", "/docs?lang=en", "id", en, id},
		{"query id over cookie", "/docs?lang=id", "en", id, en},
		{"unknown", "/docs?lang=fr", "xx", id, en},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.target, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "lang", Value: tc.cookie})
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if v := w.Header().Get("Vary"); !strings.Contains(v, "Cookie") {
				t.Errorf("Vary %q", v)
			}
			body := w.Body.String()
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(body, s) {
					t.Errorf("has %q", s)
				}
			}
		})
	}
}
