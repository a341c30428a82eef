// Package httpx is the HTTP plumbing every surface shares (the native API, the
// compatibility dialects and the dashboards): the mux with its middleware, JSON in and
// out, body limits, the API key a request presents, and the client it comes from
// (address, scheme and host, believed from the trusted reverse proxies). What
// a surface says (its routes, words and error shapes) stays in the surface's package.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loket/loket/internal/loket"
)

// MaxBody bounds a request body on every surface.
const MaxBody = 64 << 10

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// DecodeJSON reads a JSON body of at most MaxBody bytes into v, and checks every string
// it decoded with loket.CheckText (at loket.MaxText). Its errors are *loket.Error:
// ETOOLARGE, or EINVALID (naming the field when a value has the wrong type or its text
// is refused).
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return loket.Errorf(loket.ETOOLARGE, "request body is larger than %d bytes", MaxBody)
		}
		return loket.Errorf(loket.EINVALID, "could not read the request body")
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return loket.Errorf(loket.EINVALID, "request body is empty; want a JSON object")
	}
	if err := CheckJSON(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return loket.FieldError(loket.EINVALID, te.Field, "field %q must be a %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return unknownField(v, strings.Trim(name, `"`))
		}
		return loket.Errorf(loket.EINVALID, "request body is not valid JSON")
	}
	if dec.More() {
		return loket.Errorf(loket.EINVALID, "request body is not valid JSON: more than one value")
	}
	return checkStrings(reflect.ValueOf(v), "")
}

// unknownField refuses a body field the request does not have, naming the nearest
// ones: a mistyped name (max_prize for max_price) must not be ignored, as it would
// quietly drop what the caller asked for.
func unknownField(v any, name string) error {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var known []string
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
				known = append(known, n)
			}
		}
	}
	shown := loket.Clip(name)
	if near := loket.Nearest(name, known); len(near) > 0 {
		return loket.FieldError(loket.EINVALID, shown, "unknown field %q; did you mean %q?", shown, strings.Join(near, `" or "`))
	}
	return loket.FieldError(loket.EINVALID, shown, "unknown field %q; the fields are %s", shown, strings.Join(known, ", "))
}

// CheckJSON refuses a JSON body that is not UTF-8 text (RFC 8259 requires it): Go's
// decoder would quietly turn its invalid bytes into U+FFFD. Every reader of a JSON body
// calls it before decoding, then checks the strings decoded.
func CheckJSON(body []byte) error {
	return loket.CheckLines("body", string(body), len(body))
}

// checkStrings applies loket.CheckText to every string in v: struct fields named by
// their JSON names (a.b when nested), the keys and values of maps and the elements of
// slices under the name of the field that holds them.
func checkStrings(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkStrings(v.Elem(), field)
	case reflect.String:
		return loket.CheckText(field, v.String(), loket.MaxText)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if field != "" {
				name = field + "." + name
			}
			if err := checkStrings(v.Field(i), name); err != nil {
				return err
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			if err := checkStrings(k, field); err != nil {
				return err
			}
			if err := checkStrings(v.MapIndex(k), field); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkStrings(v.Index(i), field); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckURL applies loket.CheckText (at loket.MaxText) to what a request's URL carries:
// its path (unescaped: every path segment a route reads) and the names and values of
// its query. Every edge calls it, directly or through its reader of parameters, before
// a string of the URL can reach a service.
func CheckURL(r *http.Request) error {
	if err := loket.CheckText("path", r.URL.Path, loket.MaxText); err != nil {
		return err
	}
	return CheckValues("query", r.URL.Query(), nil)
}

// CheckValues applies loket.CheckText (at loket.MaxText) to every name of vs (refused
// as the field what: "query", "parameter"...) and every value (refused as its name), in
// the order of the names. lines names the fields that are textareas, with the most
// bytes each takes: their values may hold line breaks (loket.CheckLines).
func CheckValues(what string, vs url.Values, lines map[string]int) error {
	names := make([]string, 0, len(vs))
	for k := range vs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := loket.CheckText(what, k, loket.MaxText); err != nil {
			return err
		}
		check := func(v string) error { return loket.CheckText(k, v, loket.MaxText) }
		if max, ok := lines[k]; ok {
			check = func(v string) error { return loket.CheckLines(k, v, max) }
		}
		for _, v := range vs[k] {
			if err := check(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "int32", "float64", "uint64":
		return "number"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	}
	return k
}

// APIKey returns the key a request presents: Authorization: Bearer, or X-API-Key.
func APIKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:])
		}
	}
	return r.Header.Get("X-API-Key")
}

// RetryAfter sets the Retry-After header to d in whole seconds, rounded up, at least 1.
func RetryAfter(w http.ResponseWriter, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
}
