package metrics

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Registry holds metric families and renders them for scraping. The zero
// value is ready to use.
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
	// Every series name any family emits, including a histogram's _bucket,
	// _sum and _count, so that no two families can produce the same series.
	series map[string]bool
}

type family struct {
	name, help, typ string
	write           func(b []byte) ([]byte, error)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Counter registers a counter family. Without label names it has a single
// series, exported as zero until first incremented.
func (r *Registry) Counter(name, help string, labelNames ...string) *CounterVec {
	labelNames = slices.Clone(labelNames)
	v := newVec[Counter](name, labelNames, nil)
	r.register(name, help, "counter", labelNames, nil, func(b []byte) ([]byte, error) {
		for _, c := range v.sorted() {
			b = appendSample(b, name, "", c.labels, "", c.m.value())
		}
		return b, nil
	})
	return &CounterVec{v}
}

// Gauge registers a gauge family. Without label names it has a single
// series, exported as zero until first set.
func (r *Registry) Gauge(name, help string, labelNames ...string) *GaugeVec {
	labelNames = slices.Clone(labelNames)
	v := newVec[Gauge](name, labelNames, nil)
	r.register(name, help, "gauge", labelNames, nil, func(b []byte) ([]byte, error) {
		for _, c := range v.sorted() {
			b = appendSample(b, name, "", c.labels, "", c.m.value())
		}
		return b, nil
	})
	return &GaugeVec{v}
}

// Histogram registers a histogram family. Buckets are upper bounds and must
// be strictly increasing; a trailing +Inf may be given but is always implied.
// Nil or empty buckets mean DefBuckets.
func (r *Registry) Histogram(name, help string, buckets []float64, labelNames ...string) *HistogramVec {
	labelNames = slices.Clone(labelNames)
	if len(buckets) == 0 {
		buckets = DefBuckets
	}
	// Copied so later changes to the caller's slice cannot reorder buckets
	// under concurrent Observe calls.
	upper := slices.Clone(buckets)
	if math.IsInf(upper[len(upper)-1], 1) {
		upper = upper[:len(upper)-1]
	}
	for i, u := range upper {
		if math.IsNaN(u) || math.IsInf(u, 1) || (i > 0 && u <= upper[i-1]) {
			panic(fmt.Sprintf("metrics: %s: buckets must be strictly increasing, got %v", name, buckets))
		}
	}
	les := make([]string, len(upper)+1)
	for i, u := range upper {
		les[i] = string(appendFloat(nil, u))
	}
	les[len(upper)] = "+Inf"

	v := newVec(name, labelNames, func(h *Histogram) {
		h.upper = upper
		h.counts = make([]atomic.Uint64, len(upper)+1)
	})
	r.register(name, help, "histogram", labelNames, []string{"le"}, func(b []byte) ([]byte, error) {
		for _, c := range v.sorted() {
			cum, sum := c.m.snapshot()
			for i, n := range cum {
				b = appendSample(b, name, "_bucket", c.labels, les[i], float64(n))
			}
			b = appendSample(b, name, "_sum", c.labels, "", sum)
			b = appendSample(b, name, "_count", c.labels, "", float64(cum[len(cum)-1]))
		}
		return b, nil
	})
	return &HistogramVec{v}
}

// GaugeFunc registers a gauge family whose samples come from collect at
// scrape time, for values that already live elsewhere (pool sizes, queue
// lengths) and would otherwise need mirroring into a Gauge. collect may be
// called concurrently from simultaneous scrapes and must not block for long.
// A sample with the wrong number of label values, invalid UTF-8 or duplicate
// label values fails the scrape with an error rather than a panic, since it
// happens in a request handler.
func (r *Registry) GaugeFunc(name, help string, labelNames []string, collect func() []Sample) {
	if collect == nil {
		panic(fmt.Sprintf("metrics: %s: nil collect func", name))
	}
	labelNames = slices.Clone(labelNames)
	r.register(name, help, "gauge", labelNames, nil, func(b []byte) ([]byte, error) {
		// Cloned before sorting because the slice belongs to the caller.
		samples := slices.Clone(collect())
		for _, s := range samples {
			if len(s.LabelValues) != len(labelNames) {
				return b, fmt.Errorf("metrics: %s: sample has %d label values, want %d", name, len(s.LabelValues), len(labelNames))
			}
			for i, lv := range s.LabelValues {
				if !utf8.ValidString(lv) {
					return b, fmt.Errorf("metrics: %s: label %s value is not valid UTF-8", name, labelNames[i])
				}
			}
		}
		slices.SortFunc(samples, func(a, b Sample) int { return slices.Compare(a.LabelValues, b.LabelValues) })
		for i, s := range samples {
			if i > 0 && slices.Equal(s.LabelValues, samples[i-1].LabelValues) {
				return b, fmt.Errorf("metrics: %s: duplicate sample for label values %q", name, s.LabelValues)
			}
			b = appendSample(b, name, "", renderLabels(labelNames, s.LabelValues), "", s.Value)
		}
		return b, nil
	})
}

// register validates and adds a family. reserved lists label names the family
// type uses itself; write appends the family's samples at scrape time.
func (r *Registry) register(name, help, typ string, labelNames, reserved []string, write func([]byte) ([]byte, error)) {
	if !validMetricName(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	for i, l := range labelNames {
		switch {
		case !validLabelName(l):
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		case strings.HasPrefix(l, "__"):
			panic(fmt.Sprintf("metrics: %s: label name %q is reserved for Prometheus", name, l))
		case slices.Contains(reserved, l):
			panic(fmt.Sprintf("metrics: %s: label name %q is reserved for %ss", name, l, typ))
		case slices.Contains(labelNames[:i], l):
			panic(fmt.Sprintf("metrics: %s: duplicate label name %q", name, l))
		}
	}
	series := []string{name}
	switch typ {
	case "histogram":
		series = append(series, name+"_bucket", name+"_sum", name+"_count")
	case "summary":
		series = append(series, name+"_sum", name+"_count")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range series {
		if r.series[s] {
			panic(fmt.Sprintf("metrics: %s: series name %q already registered", name, s))
		}
	}
	if r.series == nil {
		r.series = map[string]bool{}
		r.families = map[string]*family{}
	}
	for _, s := range series {
		r.series[s] = true
	}
	r.families[name] = &family{name: name, help: help, typ: typ, write: write}
}

// encode renders the whole exposition into memory first, so that a failing
// GaugeFunc yields an error instead of a truncated scrape and a slow client
// cannot hold up registration.
func (r *Registry) encode() ([]byte, error) {
	r.mu.Lock()
	fams := make([]*family, 0, len(r.families))
	for _, f := range r.families {
		fams = append(fams, f)
	}
	r.mu.Unlock()
	slices.SortFunc(fams, func(a, b *family) int { return strings.Compare(a.name, b.name) })

	var b []byte
	for _, f := range fams {
		start := len(b)
		if f.help != "" {
			b = append(b, "# HELP "...)
			b = append(b, f.name...)
			b = append(b, ' ')
			b = append(b, helpEscaper.Replace(f.help)...)
			b = append(b, '\n')
		}
		b = append(b, "# TYPE "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.typ...)
		b = append(b, '\n')
		header := len(b)
		var err error
		if b, err = f.write(b); err != nil {
			return nil, err
		}
		if len(b) == header {
			// Families with no series yet (a vec nobody has used) are left
			// out, as the Prometheus client does.
			b = b[:start]
		}
	}
	return b, nil
}

// WriteTo writes the full exposition to w: families sorted by name, series
// within a family sorted by label values.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	b, err := r.encode()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// ServeHTTP serves the exposition, making the registry usable directly as
// the /metrics handler.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, err := r.encode()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b) // the client went away; nothing useful to do about it
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func renderLabels(names, values []string) string {
	var sb strings.Builder
	for i, n := range names {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(n)
		sb.WriteString(`="`)
		labelEscaper.WriteString(&sb, values[i])
		sb.WriteByte('"')
	}
	return sb.String()
}

// appendSample appends one line; labels are pre-rendered pairs and le, if
// set, is the already formatted histogram bucket bound.
func appendSample(b []byte, name, suffix, labels, le string, v float64) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	if labels != "" || le != "" {
		b = append(b, '{')
		b = append(b, labels...)
		if le != "" {
			if labels != "" {
				b = append(b, ',')
			}
			b = append(b, `le="`...)
			b = append(b, le...)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n')
}

// appendFloat formats like Prometheus, except that whole numbers up to 2^53
// (counts, mostly) are written out in full: 'g' would turn 1234567 into
// 1.234567e+06, which parses the same but is harder to read.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == math.Trunc(f) && math.Abs(f) <= 1<<53:
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func validMetricName(s string) bool {
	// ^[a-zA-Z_:][a-zA-Z0-9_:]*$
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func validLabelName(s string) bool {
	// ^[a-zA-Z_][a-zA-Z0-9_]*$
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
