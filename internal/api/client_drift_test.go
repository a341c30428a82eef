package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loket/loket/client"
	"github.com/loket/loket/internal/loket"
	"github.com/loket/loket/internal/openapi"
)

// The drift test: client/ mirrors the API's JSON in its own types (it is standard
// library only, so it cannot share ours). Every body the API sends or receives is
// filled with non-zero values, sent through the JSON of the other side and back, and
// compared, so a field added, renamed or retyped on one side only fails here instead
// of in a reseller's program. The bodies come from the route table and the webhook
// events of the OpenAPI document: a new route or event fails until its body is mapped
// in clientMirrors or listed in notInClient.

// clientMirrors maps each request, response and webhook body of the API to the client
// type that mirrors it. Nested types (DropshipInfo, SMS, loket.FormField...) need no
// entry: they are compared as part of the body that holds them.
var clientMirrors = map[reflect.Type]reflect.Type{
	reflect.TypeFor[ErrorDetail]():           reflect.TypeFor[client.Error](), // the "error" object of every error body
	reflect.TypeFor[Me]():                    reflect.TypeFor[client.Me](),
	reflect.TypeFor[loket.Credentials]():     reflect.TypeFor[client.Credentials](),
	reflect.TypeFor[ProductList]():           reflect.TypeFor[client.ProductList](),
	reflect.TypeFor[Product]():               reflect.TypeFor[client.Product](),
	reflect.TypeFor[OrderRequest]():          reflect.TypeFor[client.OrderRequest](),
	reflect.TypeFor[Order]():                 reflect.TypeFor[client.Order](),
	reflect.TypeFor[OrderList]():             reflect.TypeFor[client.OrderList](),
	reflect.TypeFor[LedgerList]():            reflect.TypeFor[client.LedgerList](),
	reflect.TypeFor[WithdrawalRequest]():     reflect.TypeFor[client.WithdrawalRequest](),
	reflect.TypeFor[Withdrawal]():            reflect.TypeFor[client.Withdrawal](),
	reflect.TypeFor[WithdrawalList]():        reflect.TypeFor[client.WithdrawalList](),
	reflect.TypeFor[ProfitMoveRequest]():     reflect.TypeFor[client.ProfitMoveRequest](),
	reflect.TypeFor[ProfitMove]():            reflect.TypeFor[client.ProfitMove](),
	reflect.TypeFor[NumberRequest]():         reflect.TypeFor[client.NumberRequest](),
	reflect.TypeFor[Number]():                reflect.TypeFor[client.Number](),
	reflect.TypeFor[WebhookSettings]():       reflect.TypeFor[client.WebhookSettings](),
	reflect.TypeFor[BillInquiryRequest]():    reflect.TypeFor[client.BillInquiryRequest](),
	reflect.TypeFor[Bill]():                  reflect.TypeFor[client.Bill](),
	reflect.TypeFor[BillPayRequest]():        reflect.TypeFor[client.BillPayRequest](),
	reflect.TypeFor[Meter]():                 reflect.TypeFor[client.Meter](),
	reflect.TypeFor[WebhookLog]():            reflect.TypeFor[client.WebhookList](),
	reflect.TypeFor[WebhookPayload]():        reflect.TypeFor[client.WebhookEvent](),
	reflect.TypeFor[DownlineList]():          reflect.TypeFor[client.DownlineList](),
	reflect.TypeFor[DownlineRequest]():       reflect.TypeFor[client.DownlineRequest](),
	reflect.TypeFor[CreatedDownline]():       reflect.TypeFor[client.CreatedDownline](),
	reflect.TypeFor[loket.Downline]():        reflect.TypeFor[client.Downline](),
	reflect.TypeFor[MarkupRequest]():         reflect.TypeFor[client.MarkupRequest](),
	reflect.TypeFor[MarkupList]():            reflect.TypeFor[client.DownlineMarkupList](),
	reflect.TypeFor[DownlineStatusRequest](): reflect.TypeFor[client.DownlineStatusRequest](),
	reflect.TypeFor[TransferRequest]():       reflect.TypeFor[client.TransferRequest](),
	reflect.TypeFor[Transfer]():              reflect.TypeFor[client.Transfer](),
	reflect.TypeFor[NetworkReport]():         reflect.TypeFor[client.NetworkReport](),
}

// notInClient lists the routes ("METHOD /path", as in the route table) and webhook
// events ("webhook <event>") whose bodies the client does not mirror, each with why.
// An entry whose bodies are all mapped, or that names nothing, fails the test.
var notInClient = map[string]string{
	"GET /healthz":                  "a probe for load balancers and monitoring, not a reseller's call",
	"POST /v1/deposits":             "the client does not speak deposits yet",
	"GET /v1/deposits":              "the client does not speak deposits yet",
	"GET /v1/deposits/{id}":         "the client does not speak deposits yet",
	"POST /v1/deposits/{id}/cancel": "the client does not speak deposits yet",
	"GET /v1/numbers/services":      "the client does not read the virtual-number catalog yet",
	"GET /v1/numbers/countries":     "the client does not read the virtual-number catalog yet",
	"GET /v1/numbers/operators":     "the client does not read the virtual-number catalog yet",
	"GET /v1/numbers":               "the client does not list activations yet (it reads them one by one)",
	"webhook price.updated":         "the client has no type for price news yet",
	"webhook number.sms":            "the client has no type for SMS deliveries yet",
}

// clientDriftAllowed lists differences the client makes on purpose, keyed by the
// sending type and the JSON path of the field, e.g. "api.Order dropship.payment.qr_url"
// or "client.Order fields.x", each with why. Fix drift in client/ rather than listing
// it here; an entry that matches nothing fails the test.
var clientDriftAllowed = map[string]string{}

// webhookBodies names the Go type of each webhook event's body in the OpenAPI document.
var webhookBodies = map[string]reflect.Type{
	"order.updated": reflect.TypeFor[WebhookPayload](),
	"price.updated": reflect.TypeFor[PriceWebhook](),
	"number.sms":    reflect.TypeFor[NumberWebhook](),
}

// wireBody is one body of the API and where it is used.
type wireBody struct {
	typ   reflect.Type
	where []string // route patterns and "webhook <event>"
}

// apiBodies lists every body of the route table and the webhooks, in order of first use.
func apiBodies(t *testing.T, s *Server) []*wireBody {
	t.Helper()
	var out []*wireBody
	add := func(v any, typ reflect.Type, where string) {
		if typ == nil && v != nil {
			typ = reflect.TypeOf(v)
		}
		if typ == nil {
			return
		}
		for _, b := range out {
			if b.typ == typ {
				b.where = append(b.where, where)
				return
			}
		}
		out = append(out, &wireBody{typ: typ, where: []string{where}})
	}
	add(nil, reflect.TypeFor[ErrorDetail](), "every error answer")
	for _, r := range s.Routes() {
		add(r.Request, nil, r.Pattern)
		add(r.Response, nil, r.Pattern)
	}
	doc := s.OpenAPI()
	for _, event := range sortedKeys(doc.Webhooks) {
		typ, ok := webhookBodies[event]
		if !ok {
			t.Errorf("webhook %s: its body type is not in webhookBodies; add it there", event)
			continue
		}
		for _, op := range doc.Webhooks[event] {
			ref := op.RequestBody.Content["application/json"].Schema.Ref
			if got := strings.TrimPrefix(ref, openapi.SchemaPrefix); got != typ.Name() {
				t.Errorf("webhook %s: the document's body is %s, webhookBodies says %s", event, got, typ.Name())
			}
		}
		add(nil, typ, "webhook "+event)
	}
	for event := range webhookBodies {
		if _, ok := doc.Webhooks[event]; !ok {
			t.Errorf("webhookBodies lists %s, which the OpenAPI document does not have", event)
		}
	}
	return out
}

func TestClientDrift(t *testing.T) {
	s := docsServer(t)
	bodies := apiBodies(t, s)

	used := map[string]bool{} // notInClient entries that excuse an unmapped body
	mapped := map[reflect.Type]bool{}
	for _, b := range bodies {
		if _, ok := clientMirrors[b.typ]; ok {
			mapped[b.typ] = true
			continue
		}
		var unexcused []string
		for _, w := range b.where {
			if _, ok := notInClient[w]; ok {
				used[w] = true
			} else {
				unexcused = append(unexcused, w)
			}
		}
		if len(unexcused) > 0 {
			t.Errorf("%s (the body of %s) has no client counterpart: add one to client/ and map it in clientMirrors, "+
				"or list the route in notInClient with the reason", b.typ, strings.Join(unexcused, ", "))
		}
	}
	for w := range notInClient {
		if !used[w] {
			t.Errorf("notInClient lists %q, but no route or webhook of that name has an unmapped body: remove the entry", w)
		}
	}
	for st := range clientMirrors {
		if !mapped[st] {
			t.Errorf("clientMirrors maps %s, which no route, webhook or error uses: remove the entry", st)
		}
	}

	allowed := map[string]bool{}
	for _, b := range bodies {
		ct, ok := clientMirrors[b.typ]
		if !ok {
			continue
		}
		t.Run(b.typ.String(), func(t *testing.T) {
			// Answers and webhooks go server → client, requests client → server; both
			// directions are checked for every body, so a field only one side has fails
			// whichever side it is on.
			for _, dir := range [][2]reflect.Type{{b.typ, ct}, {ct, b.typ}} {
				if problems := roundTrip(dir[0], dir[1], allowed); len(problems) > 0 {
					t.Errorf("%s → %s (used by %s):\n\t%s", dir[0], dir[1], strings.Join(b.where, ", "), strings.Join(problems, "\n\t"))
				}
			}
		})
	}
	for k := range clientDriftAllowed {
		if !allowed[k] {
			t.Errorf("clientDriftAllowed lists %q, which no longer differs: remove the entry", k)
		}
	}
}

// roundTrip fills a value of type from, marshals it, decodes that into type to with
// unknown fields disallowed, marshals that again and compares the two JSON documents.
// It returns one line per difference; allowed collects the clientDriftAllowed entries
// that matched.
func roundTrip(from, to reflect.Type, allowed map[string]bool) []string {
	src := reflect.New(from).Elem()
	fillValue(src, 0)
	sent, err := json.Marshal(src.Interface())
	if err != nil {
		return []string{"marshal: " + err.Error()}
	}
	dst := reflect.New(to)
	dec := json.NewDecoder(bytes.NewReader(sent))
	dec.DisallowUnknownFields()
	var problems []string
	if err := dec.Decode(dst.Interface()); err != nil {
		// Decoding goes on past unknown fields and mistyped values, so the comparison
		// below still lists every difference.
		problems = append(problems, fmt.Sprintf("decoding into %s: %v", to, err))
	}
	back, err := json.Marshal(dst.Elem().Interface())
	if err != nil {
		return append(problems, "marshal again: "+err.Error())
	}
	var want, got any
	if err := json.Unmarshal(sent, &want); err != nil {
		return append(problems, err.Error())
	}
	if err := json.Unmarshal(back, &got); err != nil {
		return append(problems, err.Error())
	}
	for _, d := range jsonDiff(nil, want, got) {
		key := from.String() + " " + d.path()
		if _, ok := clientDriftAllowed[key]; ok {
			allowed[key] = true
			continue
		}
		field := goField(from, d.segs)
		if field != "" {
			field = " (" + field + ")"
		}
		if d.missing {
			problems = append(problems, fmt.Sprintf("%q%s: nothing in %s takes it (a field missing, or named differently)", d.path(), field, to))
		} else {
			problems = append(problems, fmt.Sprintf("%q%s: sent %s, %s gave back %s (typed differently?)", d.path(), field, d.sent, to, d.got))
		}
	}
	return problems
}

// driftTime is the time every time.Time field is filled with: nanoseconds included,
// so a side that truncates shows.
var driftTime = time.Date(2025, 1, 31, 17, 4, 5, 123456789, time.UTC)

// fillValue sets v, and everything reachable from it, to non-zero values: strings,
// numbers, bools and times; pointers to filled values; slices of one element and maps
// of one entry. Recursive types stop at depth 8 (pointers and slices there stay nil).
func fillValue(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	set := func(x reflect.Value) {
		if v.CanSet() {
			v.Set(x)
		}
	}
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		set(reflect.ValueOf(driftTime))
		return
	case reflect.TypeFor[json.RawMessage]():
		set(reflect.ValueOf(json.RawMessage(`{"k":"v"}`)))
		return
	}
	if !v.CanSet() && v.Kind() != reflect.Struct {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(7.5) // not a whole number, so an integer on the other side shows
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillValue(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fillValue(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			fillValue(v.Index(i), depth+1)
		}
	case reflect.Map:
		m := reflect.MakeMapWithSize(v.Type(), 1)
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, depth+1)
		fillValue(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	case reflect.Struct:
		// Exported fields of embedded structs are settable even when the embedded
		// field is not, so every field is visited; set checks at the leaves.
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() || f.Anonymous {
				fillValue(v.Field(i), depth+1)
			}
		}
	}
}

// driftDiff is one difference between the JSON sent and the JSON that came back.
type driftDiff struct {
	segs      []string // object keys, and "[i]" for array elements
	missing   bool     // the field did not come back at all
	sent, got string   // the JSON of both, when it came back different
}

func (d driftDiff) path() string {
	var b strings.Builder
	for _, p := range d.segs {
		if b.Len() > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "(the whole body)"
	}
	return b.String()
}

// jsonDiff lists what of want (the JSON sent, decoded) is missing or different in got
// (the JSON that came back). Fields got has beyond want are not reported: the other
// direction of the round trip reports them as missing.
func jsonDiff(path []string, want, got any) []driftDiff {
	sub := func(p string) []string { return append(slices.Clip(path), p) }
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		var out []driftDiff
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				out = append(out, driftDiff{segs: sub(k), missing: true})
				continue
			}
			out = append(out, jsonDiff(sub(k), w[k], gv)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			break
		}
		var out []driftDiff
		for i := range w {
			out = append(out, jsonDiff(sub(fmt.Sprintf("[%d]", i)), w[i], g[i])...)
		}
		return out
	default:
		if reflect.DeepEqual(want, got) {
			return nil
		}
	}
	return []driftDiff{{segs: path, sent: jsonText(want), got: jsonText(got)}}
}

// goField names the Go field a JSON path leads to in t, as Type.Field of the innermost
// named struct ("api.DropshipPayment.QRURL"), or "" when the path does not resolve.
func goField(t reflect.Type, path []string) string {
	label := ""
	for _, p := range path {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case strings.HasPrefix(p, "[") && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := openapi.FieldOf(t, p)
			if !ok {
				return ""
			}
			if t.Name() != "" {
				label = t.String()
			}
			label += "." + f.Name
			t = f.Type
		default:
			return ""
		}
	}
	return label
}

// TestClientDecodesErrorBody sends an error the way every handler does and checks the
// client reads all of it: the drift test compares the "error" object, this checks the
// envelope around it.
func TestClientDecodesErrorBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, loket.FieldError(loket.EINVALID, "webhook_url", "webhook_url must be https"))
	}))
	defer srv.Close()
	_, err := client.New(srv.URL, "k").Me(context.Background())
	var got *client.Error
	if !errors.As(err, &got) {
		t.Fatalf("Me: %v, want a *client.Error", err)
	}
	want := &client.Error{StatusCode: http.StatusBadRequest, Code: loket.EINVALID, Message: "webhook_url must be https", Field: "webhook_url"}
	if *got != *want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
