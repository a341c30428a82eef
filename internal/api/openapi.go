package api

import (
	"bytes"
	"embed"
	"encoding"
	"encoding/json"
	"html/template"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/loket/loket/internal/httpx"
	"github.com/loket/loket/internal/loket"
)

// The OpenAPI document is generated from the route table (Server.Routes) and the Go
// types of the request and response bodies, by reflection: adding a route with s.add is
// all it takes to document it. /openapi.json serves the document and /docs renders it
// as a plain HTML page (no JavaScript, nothing fetched from elsewhere).

// OpenAPIDoc is an OpenAPI 3.1 document. Maps marshal with sorted keys, so the JSON
// is the same byte for byte for the same route table.
type OpenAPIDoc struct {
	OpenAPI    string                 `json:"openapi"`
	Info       OpenAPIInfo            `json:"info"`
	Servers    []OpenAPIServer        `json:"servers"`
	Paths      map[string]OpenAPIPath `json:"paths"`
	Webhooks   map[string]OpenAPIPath `json:"webhooks,omitempty"`
	Components OpenAPIComponents      `json:"components"`
}

// OpenAPIInfo is the document's info object.
type OpenAPIInfo struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

// OpenAPIServer is one entry of servers.
type OpenAPIServer struct {
	URL string `json:"url"`
}

// OpenAPIPath is a path item: operations by lower-case method.
type OpenAPIPath map[string]*OpenAPIOperation

// OpenAPIOperation is one endpoint.
type OpenAPIOperation struct {
	OperationID string                      `json:"operationId"`
	Summary     string                      `json:"summary,omitempty"`
	Description string                      `json:"description,omitempty"`
	Security    []map[string][]string       `json:"security,omitempty"`
	Parameters  []OpenAPIParameter          `json:"parameters,omitempty"`
	RequestBody *OpenAPIRequestBody         `json:"requestBody,omitempty"`
	Responses   map[string]*OpenAPIResponse `json:"responses"`
}

// OpenAPIParameter is a path, query or header parameter.
type OpenAPIParameter struct {
	Name        string         `json:"name"`
	In          string         `json:"in"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Schema      *OpenAPISchema `json:"schema"`
}

// OpenAPIRequestBody is an operation's request body.
type OpenAPIRequestBody struct {
	Required bool                        `json:"required"`
	Content  map[string]OpenAPIMediaType `json:"content"`
}

// OpenAPIResponse is one response of an operation. ErrorCodes lists the error codes
// that answer with this status (an x- extension, for tools and the /docs page).
type OpenAPIResponse struct {
	Description string                      `json:"description"`
	Content     map[string]OpenAPIMediaType `json:"content,omitempty"`
	ErrorCodes  []string                    `json:"x-error-codes,omitempty"`
}

// OpenAPIMediaType holds the schema of a body.
type OpenAPIMediaType struct {
	Schema *OpenAPISchema `json:"schema"`
}

// OpenAPIComponents holds the named schemas and the security schemes.
type OpenAPIComponents struct {
	Schemas         map[string]*OpenAPISchema        `json:"schemas"`
	SecuritySchemes map[string]OpenAPISecurityScheme `json:"securitySchemes"`
}

// OpenAPISecurityScheme is one way to authenticate.
type OpenAPISecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// OpenAPISchema is the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) the
// generator produces. Type is a string, or a list of them when null is allowed.
type OpenAPISchema struct {
	Ref                  string                    `json:"$ref,omitempty"`
	Type                 any                       `json:"type,omitempty"`
	Format               string                    `json:"format,omitempty"`
	Description          string                    `json:"description,omitempty"`
	Enum                 []any                     `json:"enum,omitempty"`
	Minimum              *int                      `json:"minimum,omitempty"`
	Properties           map[string]*OpenAPISchema `json:"properties,omitempty"`
	Required             []string                  `json:"required,omitempty"`
	Items                *OpenAPISchema            `json:"items,omitempty"`
	AdditionalProperties *OpenAPISchema            `json:"additionalProperties,omitempty"`
	AnyOf                []*OpenAPISchema          `json:"anyOf,omitempty"`

	order []string // property names in the order of the Go fields, for /docs
}

const (
	schemaPrefix = "#/components/schemas/"
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
func (s *Server) OpenAPI() *OpenAPIDoc {
	g := newSchemaGen()
	doc := &OpenAPIDoc{
		OpenAPI: "3.1.0",
		Info:    OpenAPIInfo{Title: "Loket API", Version: "1", Description: apiDescription},
		Servers: []OpenAPIServer{{URL: "/"}},
		Paths:   map[string]OpenAPIPath{},
		Components: OpenAPIComponents{
			Schemas: g.schemas,
			SecuritySchemes: map[string]OpenAPISecurityScheme{
				"bearerAuth": {Type: "http", Scheme: "bearer", Description: "Authorization: Bearer API_KEY"},
				"apiKeyAuth": {Type: "apiKey", In: "header", Name: "X-API-Key", Description: "X-API-Key: API_KEY"},
			},
		},
	}
	g.ref(reflect.TypeFor[ErrorBody]())
	ids := map[string]bool{}
	for _, r := range s.Routes() {
		method, p := splitPattern(r.Pattern)
		op := g.operation(r, p)
		op.OperationID = operationID(method, p)
		for n := 2; ids[op.OperationID]; n++ {
			op.OperationID = operationID(method, p) + strconv.Itoa(n)
		}
		ids[op.OperationID] = true
		if doc.Paths[p] == nil {
			doc.Paths[p] = OpenAPIPath{}
		}
		doc.Paths[p][strings.ToLower(method)] = op
	}
	doc.Webhooks = map[string]OpenAPIPath{"order.updated": {"post": g.orderWebhook()}, "price.updated": {"post": g.priceWebhook()},
		"number.sms": {"post": g.numberWebhook()}}
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

func (g *schemaGen) operation(r Route, p string) *OpenAPIOperation {
	op := &OpenAPIOperation{Summary: r.Summary, Responses: map[string]*OpenAPIResponse{}}
	if r.Auth {
		op.Security = authSecurity
	}
	for _, name := range pathParams(p) {
		op.Parameters = append(op.Parameters, OpenAPIParameter{Name: name, In: "path", Required: true, Schema: &OpenAPISchema{Type: "string"}})
	}
	for _, q := range r.Query {
		op.Parameters = append(op.Parameters, OpenAPIParameter{Name: q.Name, In: "query", Description: q.Description, Schema: &OpenAPISchema{Type: "string"}})
	}
	if r.Request != nil {
		op.RequestBody = &OpenAPIRequestBody{Required: true,
			Content: map[string]OpenAPIMediaType{"application/json": {Schema: g.schema(reflect.TypeOf(r.Request))}}}
	}
	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := &OpenAPIResponse{Description: http.StatusText(status)}
	if r.Response != nil {
		ok.Content = map[string]OpenAPIMediaType{"application/json": {Schema: g.schema(reflect.TypeOf(r.Response))}}
	}
	op.Responses[strconv.Itoa(status)] = ok
	for st, desc := range r.AlsoOK {
		also := &OpenAPIResponse{Description: desc, Content: ok.Content}
		op.Responses[strconv.Itoa(st)] = also
	}
	for st, codes := range errorStatuses(r) {
		op.Responses[strconv.Itoa(st)] = &OpenAPIResponse{
			Description: http.StatusText(st) + "; error.code is " + orList(codes),
			Content:     map[string]OpenAPIMediaType{"application/json": {Schema: &OpenAPISchema{Ref: schemaPrefix + errorSchema}}},
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

func (g *schemaGen) orderWebhook() *OpenAPIOperation {
	header := func(name, desc string) OpenAPIParameter {
		return OpenAPIParameter{Name: name, In: "header", Required: true, Description: desc, Schema: &OpenAPISchema{Type: "string"}}
	}
	return &OpenAPIOperation{
		OperationID: "orderUpdated",
		Summary:     "An order changed status (sent to your webhook URL)",
		Description: "Loket POSTs the order to the webhook URL set with PUT /v1/webhook whenever its status changes. " +
			"Answer 2xx within 10 seconds to acknowledge; anything else is retried with backoff for up to 24 hours, " +
			"so the same event may arrive more than once: deduplicate on X-Loket-Delivery or on the order's id and status.",
		Parameters: []OpenAPIParameter{
			header("X-Loket-Signature", "sha256=<hex HMAC-SHA256 of the raw body with your secret key>"),
			header("X-Loket-Event", "the event, order.updated"),
			header("X-Loket-Delivery", "the id of this webhook; retries repeat it"),
		},
		RequestBody: &OpenAPIRequestBody{Required: true,
			Content: map[string]OpenAPIMediaType{"application/json": {Schema: g.schema(reflect.TypeFor[WebhookPayload]())}}},
		Responses: map[string]*OpenAPIResponse{"200": {Description: "Any 2xx status acknowledges the delivery"}},
	}
}

func (g *schemaGen) priceWebhook() *OpenAPIOperation {
	op := g.orderWebhook()
	op.OperationID = "priceUpdated"
	op.Summary = "Your prices changed (sent to your webhook URL)"
	op.Description = "When the operator changes base prices, Loket POSTs the products whose price for your level moved, " +
		"old and new, once per change. Signed and retried like order webhooks."
	op.Parameters[1].Description = "the event, price.updated"
	op.RequestBody = &OpenAPIRequestBody{Required: true,
		Content: map[string]OpenAPIMediaType{"application/json": {Schema: g.schema(reflect.TypeFor[PriceWebhook]())}}}
	return op
}

// schemaGen turns Go types into JSON Schemas the way encoding/json encodes them. Named
// struct types become components (by Go type name; the package name is prefixed when
// two packages use the same name), everything else is inline.
type schemaGen struct {
	schemas map[string]*OpenAPISchema
	names   map[reflect.Type]string
	taken   map[string]reflect.Type
}

func newSchemaGen() *schemaGen {
	g := &schemaGen{schemas: map[string]*OpenAPISchema{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
	g.claim(reflect.TypeFor[ErrorBody](), errorSchema)
	return g
}

func (g *schemaGen) claim(t reflect.Type, name string) {
	g.names[t] = name
	g.taken[name] = t
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func implements(t, iface reflect.Type) bool {
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

// schema returns a fresh schema of t (callers may set its description and enum).
func (g *schemaGen) schema(t reflect.Type) *OpenAPISchema {
	if t == nil {
		return &OpenAPISchema{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(g.schema(t.Elem()))
	}
	switch {
	case t == timeType:
		return &OpenAPISchema{Type: "string", Format: "date-time"}
	case t == rawMessageType:
		return &OpenAPISchema{}
	case implements(t, jsonMarshalerType):
		return &OpenAPISchema{} // encodes itself: any JSON value
	case implements(t, textMarshalerType):
		return &OpenAPISchema{Type: "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &OpenAPISchema{Type: "boolean"}
	case reflect.Int, reflect.Int64:
		return &OpenAPISchema{Type: "integer", Format: "int64"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &OpenAPISchema{Type: "integer", Format: "int32"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &OpenAPISchema{Type: "integer", Format: "int32", Minimum: new(0)}
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &OpenAPISchema{Type: "integer", Format: "int64", Minimum: new(0)}
	case reflect.Float32:
		return &OpenAPISchema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &OpenAPISchema{Type: "number", Format: "double"}
	case reflect.String:
		return &OpenAPISchema{Type: "string"}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), jsonMarshalerType) && !implements(t.Elem(), textMarshalerType) {
			return &OpenAPISchema{Type: "string", Format: "byte"} // base64
		}
		e := t.Elem()
		for e.Kind() == reflect.Pointer {
			e = e.Elem() // the API never sends null elements
		}
		return &OpenAPISchema{Type: "array", Items: g.schema(e)}
	case reflect.Map:
		return &OpenAPISchema{Type: "object", AdditionalProperties: g.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return g.ref(t)
	}
	return &OpenAPISchema{} // interfaces and what encoding/json cannot encode
}

// nullable lets s be null too: a type list for plain schemas, anyOf for references.
func nullable(s *OpenAPISchema) *OpenAPISchema {
	switch tp := s.Type.(type) {
	case string:
		s.Type = []string{tp, "null"}
	case []string:
		if !slices.Contains(tp, "null") {
			s.Type = append(tp, "null")
		}
	default:
		if s.Ref == "" && s.AnyOf == nil {
			return s // any JSON value already includes null
		}
		return &OpenAPISchema{AnyOf: []*OpenAPISchema{s, {Type: "null"}}}
	}
	if s.Enum != nil {
		s.Enum = append(s.Enum, nil)
	}
	return s
}

func isNullable(s *OpenAPISchema) bool {
	if tp, ok := s.Type.([]string); ok {
		return slices.Contains(tp, "null")
	}
	return len(s.AnyOf) == 2 && s.AnyOf[1].Type == "null"
}

// ref registers the named struct t as a component and returns a reference to it.
func (g *schemaGen) ref(t reflect.Type) *OpenAPISchema {
	name, ok := g.names[t]
	if !ok {
		name = g.newName(t)
	}
	if g.schemas[name] == nil {
		g.schemas[name] = &OpenAPISchema{} // placeholder: recursive types refer to it
		*g.schemas[name] = *g.object(t)
	}
	return &OpenAPISchema{Ref: schemaPrefix + name}
}

func (g *schemaGen) newName(t reflect.Type) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
				return r
			}
			return -1
		}, s)
	}
	name := clean(t.Name())
	if other, ok := g.taken[name]; ok && other != t {
		pkg := []rune(clean(path.Base(t.PkgPath())))
		if len(pkg) > 0 {
			pkg[0] = unicode.ToUpper(pkg[0])
		}
		name = string(pkg) + name
	}
	base := name
	for n := 2; g.taken[name] != nil; n++ {
		name = base + strconv.Itoa(n)
	}
	g.claim(t, name)
	return name
}

// object is the schema of a struct's JSON fields. Fields without omitempty or omitzero
// are required; struct tags doc:"..." and enum:"a,b" describe and restrict a field.
func (g *schemaGen) object(t reflect.Type) *OpenAPISchema {
	s := &OpenAPISchema{Type: "object", Properties: map[string]*OpenAPISchema{}}
	for _, f := range jsonFields(t) {
		fs := g.schema(f.field.Type)
		if f.asString && isScalar(fs) {
			null := isNullable(fs)
			fs = &OpenAPISchema{Type: "string"}
			if null {
				fs = nullable(fs)
			}
		}
		if v := f.field.Tag.Get("enum"); v != "" {
			setEnum(fs, v)
		}
		if v := f.field.Tag.Get("doc"); v != "" {
			fs.Description = v
		}
		s.Properties[f.name] = fs
		s.order = append(s.order, f.name)
		if !f.optional {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

func isScalar(s *OpenAPISchema) bool {
	var tp string
	switch v := s.Type.(type) {
	case string:
		tp = v
	case []string:
		tp = v[0]
	}
	return tp == "integer" || tp == "number" || tp == "boolean" || tp == "string"
}

// setEnum restricts s (or the items of an array) to the comma-separated values of tag.
func setEnum(s *OpenAPISchema, tag string) {
	if s.Items != nil {
		s = s.Items
	}
	var tp string
	switch v := s.Type.(type) {
	case string:
		tp = v
	case []string:
		tp = v[0]
	}
	s.Enum = nil
	for v := range strings.SplitSeq(tag, ",") {
		v = strings.TrimSpace(v)
		if tp == "integer" || tp == "number" {
			if n, err := strconv.ParseFloat(v, 64); err == nil {
				if n == float64(int64(n)) {
					s.Enum = append(s.Enum, int64(n))
				} else {
					s.Enum = append(s.Enum, n)
				}
				continue
			}
		}
		s.Enum = append(s.Enum, v)
	}
	if isNullable(s) {
		s.Enum = append(s.Enum, nil)
	}
}

type jsonField struct {
	name     string
	field    reflect.StructField
	depth    int
	optional bool
	asString bool
}

// jsonFields lists the fields encoding/json writes for struct t, in order, with the
// fields of embedded structs promoted (the shallower one wins a name).
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	at := map[string]int{}
	var walk func(t reflect.Type, depth int, seen []reflect.Type)
	walk = func(t reflect.Type, depth int, seen []reflect.Type) {
		if slices.Contains(seen, t) {
			return
		}
		seen = append(seen, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if sf.Anonymous {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && ft.Kind() == reflect.Struct {
					walk(ft, depth+1, seen)
					continue
				}
				if !sf.IsExported() {
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			f := jsonField{name: name, field: sf, depth: depth}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					f.optional = true
				case "string":
					f.asString = true
				}
			}
			if i, ok := at[name]; ok {
				if out[i].depth > depth {
					out[i] = f
				}
				continue
			}
			at[name] = len(out)
			out = append(out, f)
		}
	}
	walk(t, 0, nil)
	return out
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
		doc  *OpenAPIDoc
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
	Doc         *OpenAPIDoc
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
func docsView(doc *OpenAPIDoc, routes []Route, base, lang string) docsPage {
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

func docsOperation(doc *OpenAPIDoc, method, p string, op *OpenAPIOperation, base string) docsOp {
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

func bodyOf(doc *OpenAPIDoc, content map[string]OpenAPIMediaType) *docsBody {
	mt, ok := content["application/json"]
	if !ok || mt.Schema == nil {
		return nil
	}
	b := &docsBody{Type: typeOf(mt.Schema)}
	b.Fields = docsFields(resolve(doc, mt.Schema))
	return b
}

// resolve follows a $ref to its component schema.
func resolve(doc *OpenAPIDoc, s *OpenAPISchema) *OpenAPISchema {
	for s != nil && s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, schemaPrefix)]
	}
	return s
}

func docsFields(s *OpenAPISchema) []docsField {
	if s == nil {
		return nil
	}
	var out []docsField
	for _, name := range s.order {
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
func typeOf(s *OpenAPISchema) docsType {
	if s == nil {
		return docsType{Pre: "any"}
	}
	if s.Ref != "" {
		return docsType{Ref: strings.TrimPrefix(s.Ref, schemaPrefix)}
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
func curlExample(doc *OpenAPIDoc, method, p string, op *OpenAPIOperation, base string) string {
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
func writeExample(b *strings.Builder, doc *OpenAPIDoc, s *OpenAPISchema, depth int) {
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
		for i, name := range s.order {
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
