package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Reading the seeds' example requests as printed: axios options (seed 000), PHP curl
// (seed 001, and seed 004's status example), curl command lines (seeds 002, 003 and
// 004), seed 002's XML-RPC call under its Method and URL, and seed 004's table of
// endpoints (a URL, PUBLIC or 🔒 apikey, and its "Body / Query"). The readers take the
// seeds as a person would: seed 002's curl lines leave a quote open before their line
// continuations and quote headers with ‘typographic’ quotes.

// seedExample is one testdata/seeds file: the seed's lines of a request and of its
// answer.
type seedExample struct {
	name     string
	request  string
	response string // "" when the seed prints none
}

func readSeedExample(t *testing.T, name string) seedExample {
	t.Helper()
	b, err := os.ReadFile("testdata/seeds/" + name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	ex := seedExample{name: name}
	var cur *string
	for _, line := range strings.SplitAfter(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "--- request:"):
			cur = &ex.request
		case strings.HasPrefix(line, "--- response:"):
			cur = &ex.response
		case cur != nil:
			*cur += line
		}
	}
	if ex.request == "" {
		t.Fatalf("%s: no request block", name)
	}
	return ex
}

// seedRequest is an HTTP request read from a seed.
type seedRequest struct {
	method string
	url    string
	header [][2]string
	body   []byte
}

func (r *seedRequest) set(name, value string) {
	r.header = append(r.header, [2]string{strings.TrimSpace(name), strings.TrimSpace(value)})
}

func (r *seedRequest) get(name string) string {
	for _, h := range r.header {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// parseSeedRequest reads the request of a seed example, by what it is written in.
func parseSeedRequest(text string) (*seedRequest, error) {
	switch {
	case strings.Contains(text, "const options = {"):
		return parseAxios(text)
	case strings.Contains(text, "curl_init("):
		return parsePHP(text)
	case strings.Contains(text, "<methodCall>"):
		return parseXMLRPCSection(text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "curl ") {
			return parseCurl(text[strings.Index(text, line):])
		}
	}
	return parseEndpointTable(text)
}

// A srcToken is a token of the JavaScript and PHP the seeds print: a string, a
// number, a name ($variables included) or punctuation ("=>" is one).
type srcToken struct {
	kind byte // 's', 'n', 'i', 'p'
	text string
}

func lexSource(src string) ([]srcToken, error) {
	var out []srcToken
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "<?php"):
			i += len("<?php")
		case strings.HasPrefix(src[i:], "?>"):
			i += 2
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					if src[j] == 'n' {
						b.WriteByte('\n')
						continue
					}
				}
				b.WriteByte(src[j])
			}
			if j == len(src) {
				return nil, fmt.Errorf("unterminated string at %q", clipText(src[i:]))
			}
			out = append(out, srcToken{'s', b.String()})
			i = j + 1
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			out = append(out, srcToken{'n', src[i:j]})
			i = j
		case c == '$' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			out = append(out, srcToken{'i', src[i:j]})
			i = j
		case strings.HasPrefix(src[i:], "=>"):
			out = append(out, srcToken{'p', "=>"})
			i += 2
		default:
			out = append(out, srcToken{'p', string(c)})
			i++
		}
	}
	return out, nil
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// srcObject is a JavaScript object or a PHP array, keys in the order written.
type srcObject struct {
	keys []string
	vals map[string]any
	list bool // a PHP list: [a, b]
}

func (o *srcObject) put(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// MarshalJSON encodes as JSON.stringify and json_encode do: in the order written, a
// PHP list (an empty PHP array too) as a JSON array.
func (o *srcObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if o.list {
		b.WriteByte('[')
		for i, k := range o.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSONValue(&b, o.vals[k]); err != nil {
				return nil, err
			}
		}
		b.WriteByte(']')
		return b.Bytes(), nil
	}
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeJSONValue(&b, k); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := writeJSONValue(&b, o.vals[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONValue(b *bytes.Buffer, v any) error {
	if n, ok := v.(json.Number); ok {
		b.WriteString(string(n))
		return nil
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// srcParser reads values out of tokens: JavaScript object literals and PHP expressions.
type srcParser struct {
	toks []srcToken
	i    int
	vars map[string]any
	call func(name string, args []any) any // a PHP function call
}

func (p *srcParser) peek() srcToken {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return srcToken{}
}

func (p *srcParser) next() srcToken {
	t := p.peek()
	p.i++
	return t
}

// value reads a JavaScript value or a PHP expression (concatenations with ".").
func (p *srcParser) value() (any, error) {
	v, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.peek().text == "." {
		p.next()
		w, err := p.term()
		if err != nil {
			return nil, err
		}
		v = fmt.Sprint(v) + fmt.Sprint(w)
	}
	return v, nil
}

func (p *srcParser) term() (any, error) {
	t := p.next()
	switch {
	case t.kind == 's':
		return t.text, nil
	case t.kind == 'n':
		return json.Number(t.text), nil
	case t.text == "{":
		return p.items("}", ":")
	case t.text == "[":
		return p.items("]", "=>")
	case t.kind == 'i' && strings.HasPrefix(t.text, "$"):
		return p.vars[t.text], nil
	case t.text == "true" || t.text == "false":
		return t.text == "true", nil
	case t.text == "null":
		return nil, nil
	case t.kind == 'i' && p.peek().text == "(":
		p.next()
		var args []any
		for p.peek().text != ")" {
			a, err := p.value()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().text == "," {
				p.next()
			}
		}
		p.next()
		if p.call == nil {
			return nil, fmt.Errorf("call of %s", t.text)
		}
		return p.call(t.text, args), nil
	case t.kind == 'i':
		return t.text, nil // a constant: CURLOPT_URL
	}
	return nil, fmt.Errorf("unexpected %q", t.text)
}

// items reads the entries of an object ({k: v}) or an array ([k => v] or [v]) up to
// end; a trailing comma is allowed.
func (p *srcParser) items(end, sep string) (*srcObject, error) {
	o := &srcObject{vals: map[string]any{}, list: sep == "=>"}
	for n := 0; p.peek().text != end; n++ {
		if p.i >= len(p.toks) {
			return nil, fmt.Errorf("no closing %q", end)
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		k := strconv.Itoa(n)
		if p.peek().text == sep {
			p.next()
			k = fmt.Sprint(v)
			if v, err = p.value(); err != nil {
				return nil, err
			}
			if sep == "=>" {
				o.list = false
			}
		}
		o.put(k, v)
		if p.peek().text == "," {
			p.next()
		}
	}
	p.next()
	return o, nil
}

// parseAxios reads `const options = {...}; await axios(options)`.
func parseAxios(text string) (*seedRequest, error) {
	toks, err := lexSource(text[strings.Index(text, "const options"):])
	if err != nil {
		return nil, err
	}
	p := &srcParser{toks: toks, i: 3} // const options =
	v, err := p.value()
	if err != nil {
		return nil, fmt.Errorf("axios options: %w", err)
	}
	o, ok := v.(*srcObject)
	if !ok {
		return nil, fmt.Errorf("axios options are %T", v)
	}
	r := &seedRequest{method: "GET"}
	if m, ok := o.vals["method"].(string); ok {
		r.method = strings.ToUpper(m)
	}
	r.url, _ = o.vals["url"].(string)
	if h, ok := o.vals["headers"].(*srcObject); ok {
		for _, k := range h.keys {
			r.set(k, fmt.Sprint(h.vals[k]))
		}
	}
	if d, ok := o.vals["data"]; ok {
		if r.body, err = json.Marshal(d); err != nil {
			return nil, err
		}
		if r.get("Content-Type") == "" {
			r.set("Content-Type", "application/json")
		}
	}
	return r, nil
}

// parsePHP runs the assignments and curl calls of a PHP example: curl_init,
// curl_setopt, curl_setopt_array (CURLOPT_URL, CURLOPT_HTTPHEADER, CURLOPT_POST,
// CURLOPT_POSTFIELDS), http_build_query, json_encode. Other statements are skipped.
func parsePHP(text string) (*seedRequest, error) {
	toks, err := lexSource(text[strings.Index(text, "$"):])
	if err != nil {
		return nil, err
	}
	r := &seedRequest{method: "GET"}
	setopt := func(opt string, v any) {
		switch opt {
		case "CURLOPT_URL":
			r.url = fmt.Sprint(v)
		case "CURLOPT_HTTPHEADER":
			if o, ok := v.(*srcObject); ok {
				for _, k := range o.keys {
					name, value, _ := strings.Cut(fmt.Sprint(o.vals[k]), ":")
					r.set(name, value)
				}
			}
		case "CURLOPT_POST":
			if v == true {
				r.method = "POST"
			}
		case "CURLOPT_POSTFIELDS":
			r.body = []byte(fmt.Sprint(v))
		}
	}
	p := &srcParser{toks: toks, vars: map[string]any{}}
	p.call = func(name string, args []any) any {
		switch name {
		case "curl_init":
			if len(args) == 1 {
				setopt("CURLOPT_URL", args[0])
			}
		case "curl_setopt":
			if len(args) == 3 {
				setopt(fmt.Sprint(args[1]), args[2])
			}
		case "curl_setopt_array":
			if o, ok := args[len(args)-1].(*srcObject); ok {
				for _, k := range o.keys {
					setopt(k, o.vals[k])
				}
			}
		case "http_build_query":
			q := []string{}
			if o, ok := args[0].(*srcObject); ok {
				for _, k := range o.keys {
					v := o.vals[k]
					if v == true {
						v = 1
					}
					q = append(q, url.QueryEscape(k)+"="+url.QueryEscape(fmt.Sprint(v)))
				}
			}
			return strings.Join(q, "&")
		case "json_encode":
			b, _ := json.Marshal(args[0])
			return strings.ReplaceAll(string(b), "/", `\/`) // PHP escapes slashes
		}
		return nil
	}
	for p.i < len(p.toks) {
		t := p.peek()
		switch {
		case t.kind == 'i' && strings.HasPrefix(t.text, "$") && p.i+1 < len(p.toks) && p.toks[p.i+1].text == "=":
			p.i += 2
			v, err := p.value()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.text, err)
			}
			p.vars[t.text] = v
		case strings.HasPrefix(t.text, "curl_setopt") || t.text == "curl_init":
			if _, err := p.value(); err != nil {
				return nil, fmt.Errorf("%s: %w", t.text, err)
			}
		default:
			for p.i < len(p.toks) && p.peek().text != ";" {
				p.next()
			}
		}
		if p.peek().text == ";" {
			p.next()
		}
	}
	if r.url == "" {
		return nil, fmt.Errorf("no CURLOPT_URL")
	}
	return r, nil
}

// curlArgs splits a curl command into its words. Lines ending in a backslash go on
// to the next; a quote still open at such a backslash closes there (seed 002's first
// line); a quote open at the end of a line without one goes on to the lines that close
// it (a multi-line -d). Typographic quotes are quotes.
func curlArgs(text string) []string {
	text = strings.NewReplacer("‘", "'", "’", "'", "“", `"`, "”", `"`).Replace(text)
	var segs []string
	var seg strings.Builder
	open := func(s string) bool {
		var q rune
		for _, c := range s {
			switch {
			case q == 0 && (c == '\'' || c == '"'):
				q = c
			case c == q:
				q = 0
			}
		}
		return q != 0
	}
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimRight(line, " \t\r")
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			seg.WriteString(cont)
			segs = append(segs, seg.String())
			seg.Reset()
			continue
		}
		seg.WriteString(line)
		if open(seg.String()) {
			seg.WriteString("\n")
			continue
		}
		segs = append(segs, seg.String())
		break
	}
	var words []string
	for _, s := range segs {
		var w strings.Builder
		var q rune
		in := false
		for _, c := range s {
			switch {
			case q != 0 && c == q:
				q = 0
			case q != 0:
				w.WriteRune(c)
			case c == '\'' || c == '"':
				q, in = c, true
			case c == ' ' || c == '\t' || c == '\n':
				if in {
					words = append(words, w.String())
					w.Reset()
					in = false
				}
			default:
				w.WriteRune(c)
				in = true
			}
		}
		if in {
			words = append(words, strings.TrimSpace(w.String()))
		}
	}
	return words
}

// parseCurl reads a curl command line: -X/--request, -H/--header, -d/--data/
// --data-raw, -F/--form (a "quoted" value is unquoted, as curl does), the URL.
func parseCurl(text string) (*seedRequest, error) {
	words := curlArgs(text)
	r := &seedRequest{}
	var form [][2]string
	for i := 1; i < len(words); i++ {
		w := words[i]
		arg := func() string {
			i++
			if i < len(words) {
				return words[i]
			}
			return ""
		}
		switch w {
		case "-X", "--request":
			r.method = arg()
		case "-H", "--header":
			name, value, _ := strings.Cut(arg(), ":")
			r.set(name, value)
		case "-d", "--data", "--data-raw":
			r.body = []byte(arg())
		case "-F", "--form":
			name, value, _ := strings.Cut(arg(), "=")
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			form = append(form, [2]string{name, value})
		case "--location", "-g", "-L", "-s":
		default:
			if strings.HasPrefix(w, "-") {
				return nil, fmt.Errorf("curl option %s", w)
			}
			r.url = w
		}
	}
	if len(form) > 0 {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, f := range form {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				return nil, err
			}
		}
		mw.Close()
		r.body = b.Bytes()
		r.set("Content-Type", mw.FormDataContentType())
	}
	if r.body != nil && r.get("Content-Type") == "" {
		r.set("Content-Type", "application/x-www-form-urlencoded")
	}
	if r.method == "" {
		r.method = "GET"
		if r.body != nil {
			r.method = "POST"
		}
	}
	if r.url == "" {
		return nil, fmt.Errorf("no URL in %q", clipText(text))
	}
	return r, nil
}

// parseXMLRPCSection reads seed 002's XML-RPC section: the lines after "Method" and
// "URL", and the methodCall printed under them.
func parseXMLRPCSection(text string) (*seedRequest, error) {
	lines := strings.Split(text, "\n")
	r := &seedRequest{}
	for i := 0; i+1 < len(lines); i++ {
		switch strings.TrimSpace(lines[i]) {
		case "Method":
			r.method = strings.TrimSpace(lines[i+1])
		case "URL":
			r.url = strings.TrimSpace(lines[i+1])
		}
	}
	start, end := strings.Index(text, "<?xml"), strings.Index(text, "</methodCall>")
	if r.method == "" || r.url == "" || start < 0 || end < 0 {
		return nil, fmt.Errorf("no Method, URL or methodCall")
	}
	r.body = []byte(text[start : end+len("</methodCall>")])
	r.set("Content-Type", "text/xml")
	return r, nil
}

// parseEndpointTable reads a row of seed 004's endpoint table: the URL, PUBLIC or
// "🔒 apikey", and the line under "Body / Query": a JSON body, or "—" for none.
func parseEndpointTable(text string) (*seedRequest, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	r := &seedRequest{method: "GET"}
	for i, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://"):
			r.url = l
		case l == "Body / Query" && i+1 < len(lines):
			if b := strings.TrimSpace(lines[i+1]); b != "—" {
				r.method, r.body = "POST", []byte(b)
				r.set("Content-Type", "application/json")
			}
		}
	}
	if r.url == "" {
		return nil, fmt.Errorf("no URL in %q", clipText(text))
	}
	return r, nil
}

// needsKey reports whether a seed 004 table row is one of its 🔒 apikey endpoints.
func needsKey(text string) bool { return strings.Contains(text, "🔒 apikey") }

// seedAnswer reads the answer a seed prints: JSON, with the seed's // comments and
// trailing commas, or an XML-RPC methodResponse (as a map of its struct's members).
func seedAnswer(text string) (any, error) {
	if start := strings.Index(text, "<methodResponse>"); start >= 0 {
		return xmlrpcMembers([]byte(text[start:]))
	}
	lines := strings.Split(text, "\n")
	first, last := -1, -1
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if first < 0 && strings.HasPrefix(l, "{") {
			first = i
		}
		if strings.HasSuffix(l, "}") {
			last = i
		}
	}
	if first < 0 || last < first {
		return nil, fmt.Errorf("no JSON object")
	}
	var v any
	if err := json.Unmarshal(cleanJSON(strings.Join(lines[first:last+1], "\n")), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// cleanJSON drops // comments and trailing commas outside strings.
func cleanJSON(s string) []byte {
	var b []byte
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\\' && i+1 < len(s):
			b = append(b, c, s[i+1])
			i++
			continue
		case c == '"':
			in = !in
		case !in && strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			continue
		case !in && c == ',':
			rest := strings.TrimLeft(s[i+1:], " \t\r\n")
			if strings.HasPrefix(rest, "]") || strings.HasPrefix(rest, "}") {
				continue
			}
		}
		b = append(b, c)
	}
	return b
}

// xmlrpcMembers reads a methodResponse's struct: member name to value, a string for
// <string> (or an untyped value), a float64 for <int>/<i4>/<double>.
func xmlrpcMembers(body []byte) (map[string]any, error) {
	var doc struct {
		Members []struct {
			Name  string `xml:"name"`
			Value struct {
				String *string `xml:"string"`
				Int    *string `xml:"int"`
				I4     *string `xml:"i4"`
				Double *string `xml:"double"`
				Text   string  `xml:",chardata"`
			} `xml:"value"`
		} `xml:"params>param>value>struct>member"`
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if len(doc.Members) == 0 {
		return nil, fmt.Errorf("no struct members in %q", clipText(string(body)))
	}
	out := map[string]any{}
	for _, m := range doc.Members {
		v := m.Value
		switch {
		case v.String != nil:
			out[m.Name] = *v.String
		case v.Int != nil || v.I4 != nil || v.Double != nil:
			n := v.Int
			if n == nil {
				n = v.I4
			}
			if n == nil {
				n = v.Double
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(*n), 64)
			if err != nil {
				return nil, err
			}
			out[m.Name] = f
		default:
			out[m.Name] = v.Text
		}
	}
	return out, nil
}

// jsonKind is a JSON value's type, as a seed's reader sees it.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// sameShape lists where got does not have the shape of want, the seed's answer: every
// field of want is in got with the same JSON type, objects alike all the way down; an
// array the seed prints non-empty is non-empty, and each element the seed prints has
// the shape of some element of got. got may have more fields than the seed.
func sameShape(path string, want, got any) []string {
	if jsonKind(want) != jsonKind(got) {
		return []string{fmt.Sprintf("%s: %s %s, the seed's is %s %s", path, jsonKind(got), clipText(fmt.Sprint(got)), jsonKind(want), clipText(fmt.Sprint(want)))}
	}
	var diffs []string
	switch w := want.(type) {
	case map[string]any:
		g := got.(map[string]any)
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, sameShape(path+"."+k, w[k], gv)...)
		}
	case []any:
		g := got.([]any)
		if len(w) > 0 && len(g) == 0 {
			return []string{path + ": empty, the seed's is not"}
		}
		for i, wv := range w {
			var best []string
			for _, gv := range g {
				d := sameShape(fmt.Sprintf("%s[%d]", path, i), wv, gv)
				if d == nil {
					best = nil
					break
				}
				if best == nil || len(d) < len(best) {
					best = d
				}
			}
			diffs = append(diffs, best...)
		}
	}
	return diffs
}
