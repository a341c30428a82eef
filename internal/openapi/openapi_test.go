package openapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// at walks a decoded JSON value by object keys.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("at %q: not an object: %v", k, v)
		}
		v = m[k]
	}
	return v
}

func sortedKeys(v any) []string {
	var out []string
	for k := range v.(map[string]any) {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type embedded struct {
	Inner  string `json:"inner"`
	Shadow int    `json:"shadow"`
}

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next"`
}

type reflected struct {
	embedded
	Shadow   string `json:"shadow"`
	Skip     string `json:"-"`
	hidden   string
	NoTag    bool
	Bytes    []byte            `json:"bytes,omitempty"`
	Count    int64             `json:"count,string"`
	Ratio    float64           `json:"ratio,omitzero"`
	Level    *string           `json:"level" enum:"a,b"`
	Tags     []string          `json:"tags" enum:"x,y"`
	Node     *node             `json:"node"`
	Anything any               `json:"anything"`
	Raw      json.RawMessage   `json:"raw"`
	When     *time.Time        `json:"when,omitempty"`
	ByID     map[string]node   `json:"by_id"`
	Inline   struct{ A int }   `json:"inline"`
	Dur      time.Duration     `json:"dur"`
	Small    uint8             `json:"small"`
	Labels   map[string]string `json:"labels"`
}

func TestSchemaReflection(t *testing.T) {
	g := NewGen()
	ref := g.Schema(reflect.TypeFor[reflected]())
	if ref.Ref != "#/components/schemas/reflected" {
		t.Fatalf("ref = %q", ref.Ref)
	}
	b, _ := json.Marshal(g.Schemas)
	var schemas map[string]any
	json.Unmarshal(b, &schemas)
	props := at(t, schemas, "reflected", "properties").(map[string]any)
	want := []string{"anything", "by_id", "bytes", "count", "dur", "inline", "inner", "labels", "level", "node", "NoTag", "ratio", "raw", "shadow", "small", "tags", "when"}
	slices.Sort(want)
	if got := sortedKeys(props); !slices.Equal(got, want) {
		t.Errorf("properties %v, want %v", got, want)
	}
	check := func(field string, want string) {
		t.Helper()
		b, _ := json.Marshal(g.Schemas["reflected"].Properties[field])
		if string(b) != want {
			t.Errorf("%s = %s, want %s", field, b, want)
		}
	}
	check("shadow", `{"type":"string"}`)
	check("bytes", `{"type":"string","format":"byte"}`)
	check("count", `{"type":"string"}`)
	check("level", `{"type":["string","null"],"enum":["a","b",null]}`)
	check("tags", `{"type":"array","items":{"type":"string","enum":["x","y"]}}`)
	check("node", `{"anyOf":[{"$ref":"#/components/schemas/node"},{"type":"null"}]}`)
	check("anything", `{}`)
	check("raw", `{}`)
	check("when", `{"type":["string","null"],"format":"date-time"}`)
	check("by_id", `{"type":"object","additionalProperties":{"$ref":"#/components/schemas/node"}}`)
	check("inline", `{"type":"object","properties":{"A":{"type":"integer","format":"int64"}},"required":["A"]}`)
	check("dur", `{"type":"integer","format":"int64"}`)
	check("small", `{"type":"integer","format":"int32","minimum":0}`)
	check("labels", `{"type":"object","additionalProperties":{"type":"string"}}`)
	req := at(t, schemas, "reflected", "required").([]any)
	for _, f := range []string{"bytes", "ratio", "when"} {
		if slices.Contains(req, any(f)) {
			t.Errorf("%s required", f)
		}
	}
	if !slices.Contains(req, any("level")) {
		t.Error("level (pointer without omitempty) not required")
	}
	// Recursive types terminate and refer to themselves.
	if v := at(t, schemas, "node", "properties", "next", "anyOf"); !reflect.DeepEqual(v.([]any)[0], map[string]any{"$ref": "#/components/schemas/node"}) {
		t.Errorf("node.next = %v", v)
	}
	if got := g.Schemas["reflected"].Order[:3]; !slices.Equal(got, []string{"inner", "shadow", "NoTag"}) {
		t.Errorf("field order %v", got)
	}
}
