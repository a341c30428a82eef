package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/openapi"
)

// The OpenAPI document is generated from the route table (Server.Routes) and the Go
// types of the request and response bodies, by reflection: adding a route with s.add is
// all it takes to document it. /openapi.json serves the document and /docs renders it
// as a plain HTML page (no JavaScript, nothing fetched from elsewhere).

const (
	// errorSchema is the component name of ErrorBody, the body of every error.
	errorSchema = "Error"
)

// bearerAuth and apiKeyAuth name the security schemes; either one authenticates.
var authSecurity = []map[string][]string{{"bearerAuth": {}}, {"apiKeyAuth": {}}}

const apiDescription = "Loket's native JSON API, for resellers connecting host to host (H2H).\n\n" +
	"Authentication: send your API key with every /v1 request, either as `Authorization: Bearer API_KEY` or as `X-API-Key: API_KEY`. " +
	"A missing or wrong key is 401 (unauthorized); a suspended account or an address outside your IP allow list is 403 (forbidden).\n\n" +
	"Idempotency: every order carries your own ref_id. Sending the same ref_id again returns the order already placed " +
	"(200 instead of 201) and charges nothing, so a request that timed out can safely be retried; " +
	"the same ref_id with a different body is 409 (conflict).\n\n" +
	"Webhooks: when an order changes status Loket POSTs it to your webhook URL, signed with the header " +
	"`X-Loket-Signature: sha256=<hex HMAC-SHA256 of the body with the secret key>`. Verify it over the raw body before trusting it. " +
	"A 2xx answer acknowledges the delivery; anything else is retried with backoff for up to 24 hours.\n\n" +
	"Times are in UTC, formatted as RFC 3339. Money is an integer number of rupiah, without decimals.\n\n" +
	"Errors: every non-2xx answer has the body `{\"error\": {\"code\": ..., \"message\": ..., \"field\": ...}}`. " +
	"The code is stable and meant for programs; the message is for people and may change; field names the offending input, when there is one.\n\n" +
	"Text: every string a request carries (path, query parameters, body fields, map keys) must be valid UTF-8 without control characters " +
	"(NUL, escape, line breaks...) and at most 1024 bytes, unless a field says less; a JSON body must be UTF-8. " +
	"Anything else is 400 `invalid` naming the field (`path`, `query`, `body` or the parameter)."

// OpenAPI builds the OpenAPI 3.1 document of the native API from the route table.
func (s *Server) OpenAPI() *openapi.Doc {
	g := newSchemaGen()
	doc := &openapi.Doc{
		OpenAPI: "3.1.0",
		Info:    openapi.Info{Title: "Loket API", Version: "1", Description: apiDescription},
		Servers: []openapi.Server{{URL: "/"}},
		Paths:   map[string]openapi.Path{},
		Components: openapi.Components{
			Schemas: g.Schemas,
			SecuritySchemes: map[string]openapi.SecurityScheme{
				"bearerAuth": {Type: "http", Scheme: "bearer", Description: "Authorization: Bearer API_KEY"},
				"apiKeyAuth": {Type: "apiKey", In: "header", Name: "X-API-Key", Description: "X-API-Key: API_KEY"},
			},
		},
	}
	g.Ref(reflect.TypeFor[ErrorBody]())
	ids := map[string]bool{}
	for _, r := range s.Routes() {
		method, p := splitPattern(r.Pattern)
		op := operation(g, r, p)
		op.OperationID = operationID(method, p)
		for n := 2; ids[op.OperationID]; n++ {
			op.OperationID = operationID(method, p) + strconv.Itoa(n)
		}
		ids[op.OperationID] = true
		if doc.Paths[p] == nil {
			doc.Paths[p] = openapi.Path{}
		}
		doc.Paths[p][strings.ToLower(method)] = op
	}
	doc.Webhooks = map[string]openapi.Path{"order.updated": {"post": orderWebhook(g)}, "price.updated": {"post": priceWebhook(g)},
		"number.sms": {"post": numberWebhook(g)}}
	return doc
}

// splitPattern turns a ServeMux pattern into a method and an OpenAPI path:
// "GET /v1/orders/{id}" is GET and /v1/orders/{id}; {name...} loses its dots and
// {$} disappears. A pattern without a method is documented as GET.
func splitPattern(pattern string) (method, p string) {
	method, p, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	if !ok {
		method, p = http.MethodGet, method
	}
	p = strings.TrimSpace(p)
	if i := strings.Index(p, "/"); i > 0 {
		p = p[i:] // drop a host
	}
	p = strings.ReplaceAll(p, "{$}", "")
	p = strings.ReplaceAll(p, "...}", "}")
	if p == "" {
		p = "/"
	}
	return strings.ToUpper(method), p
}

// pathParams lists the {names} of an OpenAPI path in order.
func pathParams(p string) []string {
	var out []string
	for {
		i := strings.Index(p, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(p[i:], "}")
		if j < 0 {
			return out
		}
		out = append(out, p[i+1:i+j])
		p = p[i+j+1:]
	}
}

// operationID makes "getV1OrdersById" of GET /v1/orders/{id}.
func operationID(method, p string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for seg := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(seg, "{") {
			b.WriteString("By")
			seg = strings.Trim(seg, "{}")
		}
		for w := range strings.FieldsFuncSeq(seg, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			rs := []rune(w)
			rs[0] = unicode.ToUpper(rs[0])
			b.WriteString(string(rs))
		}
	}
	return b.String()
}

func operation(g *openapi.Gen, r Route, p string) *openapi.Operation {
	op := &openapi.Operation{Summary: r.Summary, Responses: map[string]*openapi.Response{}}
	if r.Auth {
		op.Security = authSecurity
	}
	for _, name := range pathParams(p) {
		op.Parameters = append(op.Parameters, openapi.Parameter{Name: name, In: "path", Required: true, Schema: &openapi.Schema{Type: "string"}})
	}
	for _, q := range r.Query {
		op.Parameters = append(op.Parameters, openapi.Parameter{Name: q.Name, In: "query", Description: q.Description, Schema: &openapi.Schema{Type: "string"}})
	}
	if r.Request != nil {
		op.RequestBody = &openapi.RequestBody{Required: true,
			Content: map[string]openapi.MediaType{"application/json": {Schema: g.Schema(reflect.TypeOf(r.Request))}}}
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := &openapi.Response{Description: http.StatusText(status)}
	if r.Response != nil {
		ok.Content = map[string]openapi.MediaType{"application/json": {Schema: g.Schema(reflect.TypeOf(r.Response))}}
	}
	op.Responses[strconv.Itoa(status)] = ok
	for st, desc := range r.AlsoOK {
		also := &openapi.Response{Description: desc, Content: ok.Content}
		op.Responses[strconv.Itoa(st)] = also
	}
	for st, codes := range errorStatuses(r) {
		op.Responses[strconv.Itoa(st)] = &openapi.Response{
			Description: http.StatusText(st) + "; error.code is " + orList(codes),
			Content:     map[string]openapi.MediaType{"application/json": {Schema: &openapi.Schema{Ref: openapi.SchemaPrefix + errorSchema}}},
			ErrorCodes:  codes,
		}
	}
	return op
}

// errorCodes lists the error codes a route can answer with: its own, plus those of the
// authentication every Auth route goes through and of httpx.DecodeJSON, which reads every
// request body.
func errorCodes(r Route) []string {
	var codes []string
	if r.Auth {
		codes = append(codes, loket.EUNAUTHORIZED, loket.EFORBIDDEN)
	}
	if r.Request != nil {
		codes = append(codes, loket.EINVALID, loket.ETOOLARGE)
	}
	for _, c := range r.Errors {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}

// errorStatuses groups a route's error codes by the HTTP status Status gives them.
func errorStatuses(r Route) map[int][]string {
	out := map[int][]string{}
	for _, c := range errorCodes(r) {
		out[Status(c)] = append(out[Status(c)], c)
	}
	for _, codes := range out {
		slices.Sort(codes)
	}
	return out
}

func orList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func orderWebhook(g *openapi.Gen) *openapi.Operation {
	header := func(name, desc string) openapi.Parameter {
		return openapi.Parameter{Name: name, In: "header", Required: true, Description: desc, Schema: &openapi.Schema{Type: "string"}}
	}
	return &openapi.Operation{
		OperationID: "orderUpdated",
		Summary:     "An order changed status (sent to your webhook URL)",
		Description: "Loket POSTs the order to the webhook URL set with PUT /v1/webhook whenever its status changes. " +
			"Answer 2xx within 10 seconds to acknowledge; anything else is retried with backoff for up to 24 hours, " +
			"so the same event may arrive more than once: deduplicate on X-Loket-Delivery or on the order's id and status.",
		Parameters: []openapi.Parameter{
			header("X-Loket-Signature", "sha256=<hex HMAC-SHA256 of the raw body with your secret key>"),
			header("X-Loket-Event", "the event, order.updated"),
			header("X-Loket-Delivery", "the id of this webhook; retries repeat it"),
		},
		RequestBody: &openapi.RequestBody{Required: true,
			Content: map[string]openapi.MediaType{"application/json": {Schema: g.Schema(reflect.TypeFor[WebhookPayload]())}}},
		Responses: map[string]*openapi.Response{"200": {Description: "Any 2xx status acknowledges the delivery"}},
	}
}

func priceWebhook(g *openapi.Gen) *openapi.Operation {
	op := orderWebhook(g)
	op.OperationID = "priceUpdated"
	op.Summary = "Your prices changed (sent to your webhook URL)"
	op.Description = "When the operator changes base prices, Loket POSTs the products whose price for your level moved, " +
		"old and new, once per change. Signed and retried like order webhooks."
	op.Parameters[1].Description = "the event, price.updated"
	op.RequestBody = &openapi.RequestBody{Required: true,
		Content: map[string]openapi.MediaType{"application/json": {Schema: g.Schema(reflect.TypeFor[PriceWebhook]())}}}
	return op
}

func newSchemaGen() *openapi.Gen {
	g := openapi.NewGen()
	g.Claim(reflect.TypeFor[ErrorBody](), errorSchema)
	return g
}

// --- /openapi.json and /docs ---

//go:embed docs/*.html
var docsFiles embed.FS

// docsPageTmpl is the /docs page in each language: T gives the template its words.
var docsPageTmpl = map[string]*template.Template{"en": docsTemplate(&docsEN), "id": docsTemplate(&docsID)}

func docsTemplate(t *docsText) *template.Template {
	return template.Must(template.New("docs.html").Funcs(template.FuncMap{
		"prose": prose,
		"lower": strings.ToLower,
		"T":     func() *docsText { return t },
	}).ParseFS(docsFiles, "docs/docs.html"))
}

// MountDocs serves /openapi.json and /docs. Both are built on the first request, when
// every route is registered.
func (s *Server) MountDocs() {
	var (
		once sync.Once
		doc  *openapi.Doc
		raw  []byte
	)
	load := func() {
		once.Do(func() {
			doc = s.OpenAPI()
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil {
				panic(err) // the document is built of plain types: a bug
			}
			raw = b.Bytes()
		})
	}
	s.Handle("GET /openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		load()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(raw)
	}))
	s.Handle("GET /docs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		load()
		public := s.PublicURL()
		lang := docsLang(r)
		var b bytes.Buffer
		if err := docsPageTmpl[lang].Execute(&b, docsView(doc, s.Routes(), httpx.BaseURL(r, public), lang)); err != nil {
			s.Log.Error("render /docs", "err", err)
			WriteError(w, loket.Errorf(loket.EINTERNAL, "internal error"))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Vary", "Cookie")
		w.Write(b.Bytes())
	}))
}

// prose renders the document's description: paragraphs, with `code` spans.
func prose(s string) template.HTML {
	var b strings.Builder
	for para := range strings.SplitSeq(s, "\n\n") {
		b.WriteString("<p>")
		for i, part := range strings.Split(para, "`") {
			if i%2 == 1 {
				b.WriteString("<code>" + template.HTMLEscapeString(part) + "</code>")
			} else {
				b.WriteString(template.HTMLEscapeString(part))
			}
		}
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

type docsPage struct {
	Doc         *openapi.Doc
	Description string // Doc.Info.Description, in the page's language
	Base        string
	Ops         []docsOp
	Webhooks    []docsOp
	Schemas     []docsSchema
	Codes       []docsCode
}

type docsOp struct {
	ID, Method, Path, Summary, Description string
	Auth                                   bool
	Params                                 []docsParam
	Request                                *docsBody
	Responses                              []docsResponse
	Curl                                   string
	key                                    string // the route pattern, or the webhook's event
}

type docsParam struct {
	Name, In, Description string
	Required              bool
	Type                  docsType
}

type docsBody struct {
	Type   docsType
	Fields []docsField // of the referenced schema
}

type docsResponse struct {
	Status, Description string
	Error               bool
	Codes               []string
	Body                *docsBody
}

type docsSchema struct {
	Name   string
	Fields []docsField
}

type docsField struct {
	Name, Description string
	Required          bool
	Type              docsType
	Enum              []string
}

// docsType is a type as people read it, e.g. "array of " Order "": Ref links to a schema.
type docsType struct{ Pre, Ref, Post string }

type docsCode struct {
	Code, Meaning string
	Status        int
}

// docsView is what /docs shows of doc, in lang ("en" or "id").
func docsView(doc *openapi.Doc, routes []Route, base, lang string) docsPage {
	page := docsPage{Doc: doc, Description: doc.Info.Description, Base: base}
	for _, r := range routes {
		method, p := splitPattern(r.Pattern)
		op := doc.Paths[p][strings.ToLower(method)]
		if op == nil {
			continue
		}
		d := docsOperation(doc, method, p, op, base)
		d.key = r.Pattern
		page.Ops = append(page.Ops, d)
	}
	for _, name := range sortedKeys(doc.Webhooks) {
		for _, m := range sortedKeys(doc.Webhooks[name]) {
			d := docsOperation(doc, strings.ToUpper(m), name, doc.Webhooks[name][m], "")
			d.key = name
			page.Webhooks = append(page.Webhooks, d)
		}
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		page.Schemas = append(page.Schemas, docsSchema{Name: name, Fields: docsFields(doc.Components.Schemas[name])})
	}
	seen := map[string]bool{}
	for _, r := range routes {
		for _, c := range errorCodes(r) {
			if !seen[c] {
				seen[c] = true
				page.Codes = append(page.Codes, docsCode{Code: c, Meaning: codeMeaning[c].EN, Status: Status(c)})
			}
		}
	}
	slices.SortFunc(page.Codes, func(a, b docsCode) int {
		if a.Status != b.Status {
			return a.Status - b.Status
		}
		return strings.Compare(a.Code, b.Code)
	})
	if lang == "id" {
		docsInIndonesian(&page)
	}
	return page
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func docsOperation(doc *openapi.Doc, method, p string, op *openapi.Operation, base string) docsOp {
	d := docsOp{ID: op.OperationID, Method: method, Path: p, Summary: op.Summary, Description: op.Description, Auth: len(op.Security) > 0}
	for _, prm := range op.Parameters {
		d.Params = append(d.Params, docsParam{Name: prm.Name, In: prm.In, Description: prm.Description, Required: prm.Required, Type: typeOf(prm.Schema)})
	}
	if op.RequestBody != nil {
		d.Request = bodyOf(doc, op.RequestBody.Content)
	}
	for _, st := range sortedKeys(op.Responses) {
		resp := op.Responses[st]
		dr := docsResponse{Status: st, Description: resp.Description, Codes: resp.ErrorCodes, Error: atoi(st) >= 400}
		if len(resp.ErrorCodes) > 0 {
			dr.Description = http.StatusText(atoi(st))
		}
		dr.Body = bodyOf(doc, resp.Content)
		if dr.Error && dr.Body != nil {
			dr.Body.Fields = nil // the Error schema is described once, below
		}
		d.Responses = append(d.Responses, dr)
	}
	if base != "" {
		d.Curl = curlExample(doc, method, p, op, base)
	}
	return d
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func bodyOf(doc *openapi.Doc, content map[string]openapi.MediaType) *docsBody {
	mt, ok := content["application/json"]
	if !ok || mt.Schema == nil {
		return nil
	}
	b := &docsBody{Type: typeOf(mt.Schema)}
	b.Fields = docsFields(resolve(doc, mt.Schema))
	return b
}

// resolve follows a $ref to its component schema.
func resolve(doc *openapi.Doc, s *openapi.Schema) *openapi.Schema {
	for s != nil && s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, openapi.SchemaPrefix)]
	}
	return s
}

func docsFields(s *openapi.Schema) []docsField {
	if s == nil {
		return nil
	}
	var out []docsField
	for _, name := range s.Order {
		fs := s.Properties[name]
		f := docsField{Name: name, Description: fs.Description, Required: slices.Contains(s.Required, name), Type: typeOf(fs)}
		enum := fs.Enum
		if fs.Items != nil {
			enum = fs.Items.Enum
		}
		for _, v := range enum {
			if v == nil {
				f.Enum = append(f.Enum, "null")
			} else {
				f.Enum = append(f.Enum, strings.Trim(jsonText(v), `"`))
			}
		}
		out = append(out, f)
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// typeOf reads a schema as a type: "string (date-time) or null", "array of Order".
func typeOf(s *openapi.Schema) docsType {
	if s == nil {
		return docsType{Pre: "any"}
	}
	if s.Ref != "" {
		return docsType{Ref: strings.TrimPrefix(s.Ref, openapi.SchemaPrefix)}
	}
	if len(s.AnyOf) > 0 {
		var parts []docsType
		for _, a := range s.AnyOf {
			parts = append(parts, typeOf(a))
		}
		t := parts[0]
		for _, p := range parts[1:] {
			if t.Ref == "" {
				t.Post += " or " + p.Pre + p.Ref + p.Post
			} else {
				t.Post += " or " + p.Pre + p.Post
			}
		}
		return t
	}
	var types []string
	switch v := s.Type.(type) {
	case string:
		types = []string{v}
	case []string:
		types = v
	}
	if len(types) == 0 {
		return docsType{Pre: "any"}
	}
	var t docsType
	switch types[0] {
	case "array":
		t = typeOf(s.Items)
		t.Pre = "array of " + t.Pre
	case "object":
		if s.AdditionalProperties != nil {
			t = typeOf(s.AdditionalProperties)
			t.Pre = "object of " + t.Pre
		} else {
			t = docsType{Pre: "object"}
		}
	default:
		t = docsType{Pre: types[0]}
		if s.Format != "" {
			t.Pre += " (" + s.Format + ")"
		}
	}
	for _, extra := range types[1:] {
		t.Post += " or " + extra
	}
	return t
}

// curlExample is a command line calling op, with a body made from its schema.
func curlExample(doc *openapi.Doc, method, p string, op *openapi.Operation, base string) string {
	u := p
	for _, name := range pathParams(p) {
		u = strings.ReplaceAll(u, "{"+name+"}", strings.ToUpper(name))
	}
	var lines []string
	if method == http.MethodGet {
		lines = append(lines, "curl "+shellQuote(base+u))
	} else {
		lines = append(lines, "curl -X "+method+" "+shellQuote(base+u))
	}
	if len(op.Security) > 0 {
		lines = append(lines, "  -H 'Authorization: Bearer API_KEY'")
	}
	if op.RequestBody != nil {
		if mt, ok := op.RequestBody.Content["application/json"]; ok {
			var b strings.Builder
			writeExample(&b, doc, mt.Schema, 0)
			lines = append(lines, "  -H 'Content-Type: application/json'", "  -d "+shellQuote(b.String()))
		}
	}
	return strings.Join(lines, " \\\n")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// writeExample writes a JSON value of schema s, fields in the order of the Go type.
func writeExample(b *strings.Builder, doc *openapi.Doc, s *openapi.Schema, depth int) {
	s = resolve(doc, s)
	if s == nil || depth > 5 {
		b.WriteString("null")
		return
	}
	if len(s.AnyOf) > 0 {
		writeExample(b, doc, s.AnyOf[0], depth)
		return
	}
	if len(s.Enum) > 0 {
		b.WriteString(jsonText(s.Enum[0]))
		return
	}
	tp := ""
	switch v := s.Type.(type) {
	case string:
		tp = v
	case []string:
		tp = v[0]
	}
	switch tp {
	case "object":
		b.WriteString("{")
		if s.Properties == nil && s.AdditionalProperties != nil {
			b.WriteString(`"key":`)
			writeExample(b, doc, s.AdditionalProperties, depth+1)
		}
		for i, name := range s.Order {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(jsonText(name) + ":")
			writeExample(b, doc, s.Properties[name], depth+1)
		}
		b.WriteString("}")
	case "array":
		b.WriteString("[")
		writeExample(b, doc, s.Items, depth+1)
		b.WriteString("]")
	case "integer", "number":
		b.WriteString("0")
	case "boolean":
		b.WriteString("false")
	case "string":
		switch s.Format {
		case "date-time":
			b.WriteString(`"2025-01-31T17:00:00Z"`)
		default:
			b.WriteString(`"string"`)
		}
	default:
		b.WriteString("null")
	}
}
