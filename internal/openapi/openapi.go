// Package openapi is an OpenAPI 3.1 document as Go values, and the generator of its
// JSON Schemas from Go types by reflection, the way encoding/json encodes them. The
// native API (internal/api) builds its document with it from its route table.
package openapi

import (
	"encoding"
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Doc is an OpenAPI 3.1 document. Maps marshal with sorted keys, so the JSON
// is the same byte for byte for the same route table.
type Doc struct {
	OpenAPI    string          `json:"openapi"`
	Info       Info            `json:"info"`
	Servers    []Server        `json:"servers"`
	Paths      map[string]Path `json:"paths"`
	Webhooks   map[string]Path `json:"webhooks,omitempty"`
	Components Components      `json:"components"`
}

// Info is the document's info object.
type Info struct {
	Title       string `json:"title"`
	Version     string `json:"version"`
	Description string `json:"description"`
}

// Server is one entry of servers.
type Server struct {
	URL string `json:"url"`
}

// Path is a path item: operations by lower-case method.
type Path map[string]*Operation

// Operation is one endpoint.
type Operation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary,omitempty"`
	Description string                `json:"description,omitempty"`
	Security    []map[string][]string `json:"security,omitempty"`
	Parameters  []Parameter           `json:"parameters,omitempty"`
	RequestBody *RequestBody          `json:"requestBody,omitempty"`
	Responses   map[string]*Response  `json:"responses"`
}

// Parameter is a path, query or header parameter.
type Parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Description string  `json:"description,omitempty"`
	Required    bool    `json:"required,omitempty"`
	Schema      *Schema `json:"schema"`
}

// RequestBody is an operation's request body.
type RequestBody struct {
	Required bool                 `json:"required"`
	Content  map[string]MediaType `json:"content"`
}

// Response is one response of an operation. ErrorCodes lists the error codes
// that answer with this status (an x- extension, for tools and the /docs page).
type Response struct {
	Description string               `json:"description"`
	Content     map[string]MediaType `json:"content,omitempty"`
	ErrorCodes  []string             `json:"x-error-codes,omitempty"`
}

// MediaType holds the schema of a body.
type MediaType struct {
	Schema *Schema `json:"schema"`
}

// Components holds the named schemas and the security schemes.
type Components struct {
	Schemas         map[string]*Schema        `json:"schemas"`
	SecuritySchemes map[string]SecurityScheme `json:"securitySchemes"`
}

// SecurityScheme is one way to authenticate.
type SecurityScheme struct {
	Type        string `json:"type"`
	Scheme      string `json:"scheme,omitempty"`
	In          string `json:"in,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// Schema is the subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) the
// generator produces. Type is a string, or a list of them when null is allowed.
type Schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 any                `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Minimum              *int               `json:"minimum,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`

	Order []string `json:"-"` // property names in the order of the Go fields, for a reader
}

// SchemaPrefix is what a reference to a component schema starts with.
const SchemaPrefix = "#/components/schemas/"

// Gen turns Go types into JSON Schemas the way encoding/json encodes them. Named
// struct types become components (by Go type name; the package name is prefixed when
// two packages use the same name), everything else is inline.
type Gen struct {
	Schemas map[string]*Schema // the components, by name
	names   map[reflect.Type]string
	taken   map[string]reflect.Type
}

// NewGen returns a generator with no schemas yet.
func NewGen() *Gen {
	return &Gen{Schemas: map[string]*Schema{}, names: map[reflect.Type]string{}, taken: map[string]reflect.Type{}}
}

func (g *Gen) Claim(t reflect.Type, name string) {
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
func (g *Gen) Schema(t reflect.Type) *Schema {
	if t == nil {
		return &Schema{}
	}
	if t.Kind() == reflect.Pointer {
		return nullable(g.Schema(t.Elem()))
	}
	switch {
	case t == timeType:
		return &Schema{Type: "string", Format: "date-time"}
	case t == rawMessageType:
		return &Schema{}
	case implements(t, jsonMarshalerType):
		return &Schema{} // encodes itself: any JSON value
	case implements(t, textMarshalerType):
		return &Schema{Type: "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &Schema{Type: "integer", Format: "int32", Minimum: new(0)}
	case reflect.Uint, reflect.Uint64, reflect.Uintptr:
		return &Schema{Type: "integer", Format: "int64", Minimum: new(0)}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 && !implements(t.Elem(), jsonMarshalerType) && !implements(t.Elem(), textMarshalerType) {
			return &Schema{Type: "string", Format: "byte"} // base64
		}
		e := t.Elem()
		for e.Kind() == reflect.Pointer {
			e = e.Elem() // the API never sends null elements
		}
		return &Schema{Type: "array", Items: g.Schema(e)}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.Schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		return g.Ref(t)
	}
	return &Schema{} // interfaces and what encoding/json cannot encode
}

// nullable lets s be null too: a type list for plain schemas, anyOf for references.
func nullable(s *Schema) *Schema {
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
		return &Schema{AnyOf: []*Schema{s, {Type: "null"}}}
	}
	if s.Enum != nil {
		s.Enum = append(s.Enum, nil)
	}
	return s
}

func isNullable(s *Schema) bool {
	if tp, ok := s.Type.([]string); ok {
		return slices.Contains(tp, "null")
	}
	return len(s.AnyOf) == 2 && s.AnyOf[1].Type == "null"
}

// ref registers the named struct t as a component and returns a reference to it.
func (g *Gen) Ref(t reflect.Type) *Schema {
	name, ok := g.names[t]
	if !ok {
		name = g.newName(t)
	}
	if g.Schemas[name] == nil {
		g.Schemas[name] = &Schema{} // placeholder: recursive types refer to it
		*g.Schemas[name] = *g.object(t)
	}
	return &Schema{Ref: SchemaPrefix + name}
}

func (g *Gen) newName(t reflect.Type) string {
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
	g.Claim(t, name)
	return name
}

// object is the schema of a struct's JSON fields. Fields without omitempty or omitzero
// are required; struct tags doc:"..." and enum:"a,b" describe and restrict a field.
func (g *Gen) object(t reflect.Type) *Schema {
	s := &Schema{Type: "object", Properties: map[string]*Schema{}}
	for _, f := range jsonFields(t) {
		fs := g.Schema(f.field.Type)
		if f.asString && isScalar(fs) {
			null := isNullable(fs)
			fs = &Schema{Type: "string"}
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
		s.Order = append(s.Order, f.name)
		if !f.optional {
			s.Required = append(s.Required, f.name)
		}
	}
	return s
}

func isScalar(s *Schema) bool {
	tp := typeName(s)
	return tp == "integer" || tp == "number" || tp == "boolean" || tp == "string"
}

// typeName is s's JSON type, the first of a list of types (["string", "null"]).
func typeName(s *Schema) string {
	switch v := s.Type.(type) {
	case string:
		return v
	case []string:
		return v[0]
	}
	return ""
}

// setEnum restricts s (or the items of an array) to the comma-separated values of tag.
func setEnum(s *Schema, tag string) {
	if s.Items != nil {
		s = s.Items
	}
	tp := typeName(s)
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

// FieldOf returns the struct field that encoding/json reads and writes under name in
// t, a struct type (the fields of embedded structs promoted, as it does).
func FieldOf(t reflect.Type, name string) (reflect.StructField, bool) {
	for _, f := range jsonFields(t) {
		if f.name == name {
			return f.field, true
		}
	}
	return reflect.StructField{}, false
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
