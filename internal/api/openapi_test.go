package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/internal/auth"
	"github.com/loket/loket/internal/jobs"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/metrics"
	"github.com/loket/loket/internal/store/storetest"
	"github.com/loket/loket/internal/webhooks"
)

func docsServer(t *testing.T) *Server {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	// The docs need the route table only; the webhook service is the one surface the
	// API registers with at once.
	db := storetest.Open(t, "sqlite")
	reg := metrics.NewRegistry()
	sealer, err := auth.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	hooks := webhooks.New(db, jobs.New(db, log, reg, jobs.Config{Node: "docs", Workers: 1, Lease: time.Minute}), sealer, log, reg, webhooks.Config{})
	s := New(loket.Services{Webhooks: hooks}, log, reg, "", db.Ping)
	s.MountDocs()
	return s
}

func get(t *testing.T, s *Server, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	return w
}

// openAPIJSON fetches /openapi.json and decodes it generically, as a client would.
func openAPIJSON(t *testing.T, s *Server) (map[string]any, []byte) {
	t.Helper()
	w := get(t, s, "/openapi.json")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("/openapi.json is not JSON: %v", err)
	}
	return doc, w.Body.Bytes()
}

// at walks m along keys; it fails the test when a key is missing.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is not an object", strings.Join(keys[:i], "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("no %s", strings.Join(keys[:i+1], "."))
		}
	}
	return v
}

func keys(v any) []string {
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	s := docsServer(t)
	doc, raw := openAPIJSON(t, s)
	if v := at(t, doc, "openapi"); v != "3.1.0" {
		t.Errorf("openapi = %v", v)
	}
	if v := at(t, doc, "info", "title"); v != "Loket API" {
		t.Errorf("title = %v", v)
	}
	desc := at(t, doc, "info", "description").(string)
	for _, want := range []string{"Authorization: Bearer API_KEY", "X-API-Key", "ref_id", "X-Loket-Signature: sha256=", "RFC 3339", "rupiah"} {
		if !strings.Contains(desc, want) {
			t.Errorf("info.description does not mention %q", want)
		}
	}
	if v := at(t, doc, "servers").([]any); len(v) != 1 || at(t, v[0], "url") != "/" {
		t.Errorf("servers = %v", v)
	}
	if v := at(t, doc, "components", "securitySchemes", "bearerAuth", "scheme"); v != "bearer" {
		t.Errorf("bearer scheme = %v", v)
	}
	if v := at(t, doc, "components", "securitySchemes", "apiKeyAuth", "name"); v != "X-API-Key" {
		t.Errorf("api key header = %v", v)
	}

	if len(s.Routes()) == 0 {
		t.Fatal("no routes")
	}
	paths := at(t, doc, "paths").(map[string]any)
	for _, r := range s.Routes() {
		method, p, _ := strings.Cut(r.Pattern, " ")
		op, ok := at(t, paths, p).(map[string]any)[strings.ToLower(method)].(map[string]any)
		if !ok {
			t.Errorf("%s: not in paths[%q] (has %v)", r.Pattern, p, keys(paths[p]))
			continue
		}
		if op["summary"] != r.Summary {
			t.Errorf("%s: summary %v", r.Pattern, op["summary"])
		}
		status := "200"
		if r.Status != 0 {
			status = itoa(r.Status)
		}
		resps := at(t, op, "responses").(map[string]any)
		if _, ok := resps[status]; !ok {
			t.Errorf("%s: no %s response (has %v)", r.Pattern, status, keys(resps))
		}
		if _, sec := op["security"]; sec != r.Auth {
			t.Errorf("%s: security present %v, Auth %v", r.Pattern, sec, r.Auth)
		}
		wantErr := map[string]bool{}
		for _, c := range r.Errors {
			wantErr[itoa(Status(c))] = true
		}
		if r.Auth {
			wantErr["401"], wantErr["403"] = true, true
		}
		for st := range wantErr {
			resp, ok := resps[st].(map[string]any)
			if !ok {
				t.Errorf("%s: no %s response", r.Pattern, st)
				continue
			}
			if at(t, resp, "content", "application/json", "schema", "$ref") != "#/components/schemas/Error" {
				t.Errorf("%s %s: not the Error schema", r.Pattern, st)
			}
		}
		for _, c := range r.Errors {
			d := at(t, resps, itoa(Status(c)), "description").(string)
			if !strings.Contains(d, c) {
				t.Errorf("%s: %d description %q does not name %s", r.Pattern, Status(c), d, c)
			}
		}
		for _, name := range pathParams(p) {
			found := false
			for _, prm := range op["parameters"].([]any) {
				found = found || (at(t, prm, "name") == name && at(t, prm, "in") == "path" && at(t, prm, "required") == true)
			}
			if !found {
				t.Errorf("%s: no path parameter %s", r.Pattern, name)
			}
		}
		for _, q := range r.Query {
			found := false
			for _, prm := range op["parameters"].([]any) {
				found = found || (at(t, prm, "name") == q.Name && at(t, prm, "in") == "query")
			}
			if !found {
				t.Errorf("%s: no query parameter %s", r.Pattern, q.Name)
			}
		}
	}

	// Every $ref resolves.
	schemas := at(t, doc, "components", "schemas").(map[string]any)
	refs := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				refs++
				name, ok := strings.CutPrefix(ref, "#/components/schemas/")
				if _, found := schemas[name]; !ok || !found {
					t.Errorf("%s: $ref %q does not resolve", path, ref)
				}
			}
			for k, e := range v {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(path+"/"+itoa(i), e)
			}
		}
	}
	walk("#", doc)
	if refs == 0 {
		t.Error("no $ref at all")
	}

	// Deterministic.
	_, again := openAPIJSON(t, docsServer(t))
	if !bytes.Equal(raw, again) {
		t.Error("two servers serve different documents")
	}
	b1, _ := json.Marshal(s.OpenAPI())
	b2, _ := json.Marshal(s.OpenAPI())
	if !bytes.Equal(b1, b2) {
		t.Error("OpenAPI() is not deterministic")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestOpenAPIOrders(t *testing.T) {
	doc, _ := openAPIJSON(t, docsServer(t))
	post := at(t, doc, "paths", "/v1/orders", "post")
	ref := at(t, post, "requestBody", "content", "application/json", "schema", "$ref").(string)
	req := at(t, doc, "components", "schemas", strings.TrimPrefix(ref, "#/components/schemas/"))
	props := at(t, req, "properties")
	for _, f := range []string{"product", "target", "ref_id", "fields", "max_price"} {
		at(t, props, f)
	}
	required := at(t, req, "required")
	for _, f := range []string{"product", "target", "ref_id"} {
		if !slices.Contains(required.([]any), any(f)) {
			t.Errorf("OrderRequest: %s not required", f)
		}
	}
	for _, f := range []string{"fields", "max_price"} {
		if slices.Contains(required.([]any), any(f)) {
			t.Errorf("OrderRequest: %s (omitempty) required", f)
		}
	}
	if d, _ := at(t, props, "ref_id", "description").(string); !strings.Contains(d, "same ref_id") {
		t.Errorf("ref_id description (doc tag) = %q", d)
	}
	if v := at(t, props, "fields", "additionalProperties", "type"); v != "string" {
		t.Errorf("fields: additionalProperties %v", v)
	}
	if v := at(t, props, "max_price"); !reflect.DeepEqual(v, map[string]any{"type": "integer", "format": "int64",
		"description": "refuse the order if its price is above this"}) {
		t.Errorf("max_price = %v", v)
	}
	if at(t, post, "responses", "201", "content", "application/json", "schema", "$ref") != "#/components/schemas/Order" {
		t.Error("POST /v1/orders 201 is not an Order")
	}
	for st, code := range map[string]string{"400": loket.ETARGET, "402": loket.EINSUFFICIENT, "409": loket.EDUPLICATE,
		"413": loket.ETOOLARGE, "422": loket.EOUTOFSTOCK, "401": loket.EUNAUTHORIZED, "403": loket.EFORBIDDEN} {
		codes := at(t, post, "responses", st, "x-error-codes").([]any)
		if !slices.Contains(codes, any(code)) {
			t.Errorf("POST /v1/orders %s: codes %v lack %s", st, codes, code)
		}
	}

	order := at(t, doc, "components", "schemas", "Order")
	oprops := at(t, order, "properties")
	for _, f := range []string{"id", "ref_id", "product", "target", "price", "status", "sn"} {
		at(t, oprops, f)
	}
	if v := at(t, oprops, "status", "enum"); !reflect.DeepEqual(v, []any{"pending", "success", "failed"}) {
		t.Errorf("status enum = %v", v)
	}
	if v := at(t, oprops, "id", "format"); v != "int64" {
		t.Errorf("id format = %v", v)
	}
	if v := at(t, oprops, "created_at"); !reflect.DeepEqual(v, map[string]any{"type": "string", "format": "date-time"}) {
		t.Errorf("created_at = %v", v)
	}
	if v := at(t, oprops, "settled_at", "type"); !reflect.DeepEqual(v, []any{"string", "null"}) {
		t.Errorf("settled_at type = %v", v)
	}
	oreq := at(t, order, "required").([]any)
	if slices.Contains(oreq, any("settled_at")) || !slices.Contains(oreq, any("sn")) {
		t.Errorf("Order required = %v", oreq)
	}

	// Nested structs are references; named by Go type.
	if v := at(t, doc, "components", "schemas", "OrderList", "properties", "orders", "items", "$ref"); v != "#/components/schemas/Order" {
		t.Errorf("OrderList.orders items = %v", v)
	}
	product := at(t, doc, "components", "schemas", "Product", "properties")
	if v := at(t, product, "stock", "type"); !reflect.DeepEqual(v, []any{"integer", "null"}) {
		t.Errorf("Product.stock type = %v", v)
	}
	if v := at(t, product, "target_kind", "enum"); !reflect.DeepEqual(v, []any{"msisdn", "meter", "game", "any"}) {
		t.Errorf("Product.target_kind enum = %v", v)
	}
	if v := at(t, product, "forms", "items", "$ref"); v != "#/components/schemas/FormField" {
		t.Errorf("Product.forms items = %v", v)
	}
	if v := at(t, doc, "components", "schemas", "Error", "properties", "error", "$ref"); v != "#/components/schemas/ErrorDetail" {
		t.Errorf("Error.error = %v", v)
	}
	if v := at(t, doc, "webhooks", "order.updated", "post", "requestBody", "content", "application/json", "schema", "$ref"); v != "#/components/schemas/WebhookPayload" {
		t.Errorf("webhook body = %v", v)
	}
}

func TestSchemaNameCollision(t *testing.T) {
	g := newSchemaGen()
	g.Schema(reflect.TypeFor[Product]())
	g.Schema(reflect.TypeFor[loket.Product]())
	g.Schema(reflect.TypeFor[loket.Error]())
	for _, name := range []string{"Product", "LoketProduct", "LoketError"} {
		if g.Schemas[name] == nil {
			t.Errorf("no schema %s (have %v)", name, sortedKeys(g.Schemas))
		}
	}
}

func TestSplitPattern(t *testing.T) {
	for pattern, want := range map[string][2]string{
		"GET /v1/orders/{id}":          {"GET", "/v1/orders/{id}"},
		"POST /v1/orders":              {"POST", "/v1/orders"},
		"GET /{$}":                     {"GET", "/"},
		"GET /files/{path...}":         {"GET", "/files/{path}"},
		"/plain":                       {"GET", "/plain"},
		"GET example.com/v1/x/{a}/{b}": {"GET", "/v1/x/{a}/{b}"},
	} {
		m, p := splitPattern(pattern)
		if m != want[0] || p != want[1] {
			t.Errorf("%q: %s %s, want %s %s", pattern, m, p, want[0], want[1])
		}
	}
	if got := pathParams("/v1/x/{a}/{b}"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("pathParams = %v", got)
	}
	if got := operationID("GET", "/v1/orders/{id}"); got != "getV1OrdersById" {
		t.Errorf("operationID = %q", got)
	}
}

func TestDocsPage(t *testing.T) {
	s := docsServer(t)
	w := get(t, s, "/docs")
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q", ct)
	}
	body := w.Body.String()
	for _, want := range []string{"/v1/orders", "Loket API", "X-Loket-Signature", "schema-Order", "max_price",
		"curl -X POST &#39;http://example.com/v1/orders&#39;", "Authorization: Bearer API_KEY", "unknown_product", "pending"} {
		if !strings.Contains(body, want) {
			t.Errorf("/docs lacks %q", want)
		}
	}
	for _, r := range s.Routes() {
		_, p, _ := strings.Cut(r.Pattern, " ")
		if !strings.Contains(body, p) {
			t.Errorf("/docs lacks %s", p)
		}
	}
	for _, bad := range []string{"<script", "http://cdn", "https://"} {
		if strings.Contains(body, bad) {
			t.Errorf("/docs contains %q", bad)
		}
	}
}
