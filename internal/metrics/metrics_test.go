package metrics

import (
	"bytes"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestExposition(t *testing.T) {
	tests := []struct {
		name  string
		setup func(r *Registry)
		want  string
	}{
		{
			name: "counter without labels is exported at zero",
			setup: func(r *Registry) {
				r.Counter("jobs_total", "Jobs run.")
			},
			want: `# HELP jobs_total Jobs run.
# TYPE jobs_total counter
jobs_total 0
`,
		},
		{
			name: "counter with labels sorted by values",
			setup: func(r *Registry) {
				c := r.Counter("http_requests_total", "HTTP requests.", "method", "code")
				c.With("POST", "201").Inc()
				c.With("GET", "500").Add(1234567)
				c.With("GET", "200").Inc()
				c.With("GET", "200").Add(1.5)
				c.With("GET", "200").Add(1234567)
			},
			// Whole numbers are written in full; others use the shortest
			// %g form, exponent included, as Prometheus does.
			want: `# HELP http_requests_total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",code="200"} 1.2345695e+06
http_requests_total{method="GET",code="500"} 1234567
http_requests_total{method="POST",code="201"} 1
`,
		},
		{
			name: "gauge",
			setup: func(r *Registry) {
				g := r.Gauge("temperature", "", "room")
				g.With("b").Set(-3.25)
				a := g.With("a")
				a.Inc()
				a.Inc()
				a.Dec()
				a.Add(0.5)
				g.With("c").Set(1e21)
				g.With("d").Set(math.Inf(1))
				g.With("e").Set(math.Inf(-1))
				g.With("f").Set(math.NaN())
				g.With("g").Set(1e-7)
				r.Gauge("up", "Up.").With().Set(1)
			},
			// No HELP line for empty help.
			want: `# TYPE temperature gauge
temperature{room="a"} 1.5
temperature{room="b"} -3.25
temperature{room="c"} 1e+21
temperature{room="d"} +Inf
temperature{room="e"} -Inf
temperature{room="f"} NaN
temperature{room="g"} 1e-07
# HELP up Up.
# TYPE up gauge
up 1
`,
		},
		{
			name: "histogram",
			setup: func(r *Registry) {
				h := r.Histogram("latency_seconds", "Latency.", []float64{0.1, 1, 5}, "route")
				for _, x := range []float64{0.05, 0.1, 0.5, 3, 7} {
					h.With("/b").Observe(x)
				}
				h.With("/a").Observe(1)
			},
			want: `# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{route="/a",le="0.1"} 0
latency_seconds_bucket{route="/a",le="1"} 1
latency_seconds_bucket{route="/a",le="5"} 1
latency_seconds_bucket{route="/a",le="+Inf"} 1
latency_seconds_sum{route="/a"} 1
latency_seconds_count{route="/a"} 1
latency_seconds_bucket{route="/b",le="0.1"} 2
latency_seconds_bucket{route="/b",le="1"} 3
latency_seconds_bucket{route="/b",le="5"} 4
latency_seconds_bucket{route="/b",le="+Inf"} 5
latency_seconds_sum{route="/b"} 10.65
latency_seconds_count{route="/b"} 5
`,
		},
		{
			name: "histogram without labels, explicit +Inf bucket",
			setup: func(r *Registry) {
				r.Histogram("size_bytes", "Size.", []float64{1024, math.Inf(1)}).With().Observe(2048)
			},
			want: `# HELP size_bytes Size.
# TYPE size_bytes histogram
size_bytes_bucket{le="1024"} 0
size_bytes_bucket{le="+Inf"} 1
size_bytes_sum 2048
size_bytes_count 1
`,
		},
		{
			name: "gauge func sorted by label values",
			setup: func(r *Registry) {
				r.GaugeFunc("pool_conns", "Pool connections.", []string{"pool", "state"}, func() []Sample {
					return []Sample{
						{LabelValues: []string{"write", "idle"}, Value: 1},
						{LabelValues: []string{"read", "used"}, Value: 3},
						{LabelValues: []string{"read", "idle"}, Value: 2},
					}
				})
				r.GaugeFunc("goroutines", "Goroutines.", nil, func() []Sample {
					return []Sample{{Value: 42}}
				})
			},
			want: `# HELP goroutines Goroutines.
# TYPE goroutines gauge
goroutines 42
# HELP pool_conns Pool connections.
# TYPE pool_conns gauge
pool_conns{pool="read",state="idle"} 2
pool_conns{pool="read",state="used"} 3
pool_conns{pool="write",state="idle"} 1
`,
		},
		{
			name: "escaping",
			setup: func(r *Registry) {
				r.Counter("esc_total", "Back\\slash, \"quotes\" and\nnewline.", "v").
					With("a\\b \"c\"\nd").Inc()
				r.GaugeFunc("esc_func", "", []string{"v"}, func() []Sample {
					return []Sample{{LabelValues: []string{`"`}, Value: 1}}
				})
			},
			want: `# TYPE esc_func gauge
esc_func{v="\""} 1
# HELP esc_total Back\\slash, "quotes" and\nnewline.
# TYPE esc_total counter
esc_total{v="a\\b \"c\"\nd"} 1
`,
		},
		{
			name: "unused vecs and empty gauge funcs are omitted",
			setup: func(r *Registry) {
				r.Counter("unused_total", "Unused.", "x")
				r.GaugeFunc("empty", "Empty.", []string{"x"}, func() []Sample { return nil })
			},
			want: ``,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRegistry()
			tt.setup(r)
			var buf bytes.Buffer
			n, err := r.WriteTo(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(buf.Len()) {
				t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestZeroRegistry(t *testing.T) {
	var r Registry
	r.Counter("a_total", "A.").With().Inc()
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "a_total 1\n") {
		t.Errorf("got %q", buf.String())
	}
}

func TestServeHTTP(t *testing.T) {
	r := NewRegistry()
	r.Counter("hits_total", "Hits.").With().Inc()
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if want := "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 1\n"; rec.Body.String() != want {
		t.Errorf("body %q, want %q", rec.Body.String(), want)
	}
}

func TestGaugeFuncErrors(t *testing.T) {
	for name, samples := range map[string][]Sample{
		"wrong label count": {{LabelValues: []string{"a", "b"}}},
		"duplicate":         {{LabelValues: []string{"a"}}, {LabelValues: []string{"a"}}},
		"invalid utf-8":     {{LabelValues: []string{"\xff"}}},
	} {
		t.Run(name, func(t *testing.T) {
			r := NewRegistry()
			r.GaugeFunc("f", "", []string{"x"}, func() []Sample { return samples })
			if _, err := r.WriteTo(&bytes.Buffer{}); err == nil {
				t.Error("WriteTo: no error")
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status %d", rec.Code)
			}
		})
	}
}

func TestPanics(t *testing.T) {
	tests := map[string]func(r *Registry){
		"duplicate name": func(r *Registry) {
			r.Counter("x_total", "")
			r.Gauge("x_total", "")
		},
		"histogram series clash": func(r *Registry) {
			r.Histogram("h", "", nil)
			r.Counter("h_count", "")
		},
		"clash with later histogram": func(r *Registry) {
			r.Gauge("h_sum", "")
			r.Histogram("h", "", nil)
		},
		"invalid metric name":       func(r *Registry) { r.Counter("1abc", "") },
		"invalid metric name chars": func(r *Registry) { r.Counter("a-b", "") },
		"empty metric name":         func(r *Registry) { r.Counter("", "") },
		"invalid label name":        func(r *Registry) { r.Counter("a", "", "a:b") },
		"reserved label name":       func(r *Registry) { r.Counter("a", "", "__x") },
		"le on histogram":           func(r *Registry) { r.Histogram("a", "", nil, "le") },
		"duplicate label name":      func(r *Registry) { r.Gauge("a", "", "x", "x") },
		"unsorted buckets":          func(r *Registry) { r.Histogram("a", "", []float64{1, 0.5}) },
		"repeated bucket":           func(r *Registry) { r.Histogram("a", "", []float64{1, 1}) },
		"NaN bucket":                func(r *Registry) { r.Histogram("a", "", []float64{math.NaN()}) },
		"too few label values":      func(r *Registry) { r.Counter("a", "", "x", "y").With("1") },
		"too many label values":     func(r *Registry) { r.Gauge("a", "").With("1") },
		"invalid utf-8 value":       func(r *Registry) { r.Counter("a", "", "x").With("\xff") },
		"negative counter add":      func(r *Registry) { r.Counter("a", "").With().Add(-1) },
		"nil gauge func":            func(r *Registry) { r.GaugeFunc("a", "", nil, nil) },
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(NewRegistry())
		})
	}
}

func TestValidNames(t *testing.T) {
	r := NewRegistry()
	// Must not panic.
	r.Counter("a:b_C9", "", "_x", "Y9")
	r.Gauge("_", "")
	r.Gauge(":", "")
}

func TestWithReturnsCachedChild(t *testing.T) {
	r := NewRegistry()
	v := r.Counter("c", "", "a", "b")
	if v.With("x", "y") != v.With("x", "y") {
		t.Error("With returned different children for the same values")
	}
	// The separator keeps these apart even though they concatenate alike.
	if v.With("ab", "c") == v.With("a", "bc") {
		t.Error("With conflated different label values")
	}
}

func TestObserveSince(t *testing.T) {
	r := NewRegistry()
	h := r.Histogram("d", "", []float64{1}).With()
	h.ObserveSince(time.Now().Add(-2 * time.Second))
	cum, sum := h.snapshot()
	if cum[0] != 0 || cum[1] != 1 || sum < 2 || sum > 3 {
		t.Errorf("cum %v sum %v", cum, sum)
	}
}

func TestConcurrent(t *testing.T) {
	const goroutines, perG = 32, 2000
	r := NewRegistry()
	c := r.Counter("c_total", "", "k")
	g := r.Gauge("g", "", "k")
	h := r.Histogram("h", "", []float64{0.5, 1.5}, "k")
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perG {
				// Both shared children and per-goroutine new ones, so creation
				// races with lookup.
				k := []string{"shared", string(rune('a' + i%8))}[j%2]
				c.With(k).Inc()
				c.With(k).Add(0.5)
				g.With(k).Inc()
				g.With(k).Add(0.5)
				h.With(k).Observe(1)
				if j%500 == 0 {
					// Scrapes run concurrently with updates.
					if _, err := r.WriteTo(&bytes.Buffer{}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()

	const perKey = goroutines * perG / 2
	if got := c.With("shared").value(); got != perKey*1.5 {
		t.Errorf("counter = %v, want %v", got, perKey*1.5)
	}
	if got := g.With("shared").value(); got != perKey*1.5 {
		t.Errorf("gauge = %v, want %v", got, perKey*1.5)
	}
	cum, sum := h.With("shared").snapshot()
	if cum[0] != 0 || cum[1] != perKey || cum[2] != perKey || sum != perKey {
		t.Errorf("histogram cum %v sum %v, want count and sum %d", cum, sum, perKey)
	}
	var total float64
	for k := range 8 {
		total += c.With(string(rune('a' + k))).value()
	}
	if total != perKey*1.5 {
		t.Errorf("per-goroutine counters total %v, want %v", total, perKey*1.5)
	}
}

func TestNoAllocs(t *testing.T) {
	r := NewRegistry()
	c := r.Counter("c_total", "", "method", "code")
	h := r.Histogram("h", "", nil, "route")
	g := r.Gauge("g", "", "x")
	c.With("GET", "200")
	h.With("/x")
	g.With("y")
	method, code, route := "GET", "200", "/x"
	allocs := testing.AllocsPerRun(1000, func() {
		c.With(method, code).Inc()
		c.With(method, code).Add(0.25)
		h.With(route).Observe(0.3)
		g.With("y").Add(1)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per update, want 0", allocs)
	}
}

func BenchmarkCounterInc(b *testing.B) {
	c := NewRegistry().Counter("c_total", "", "method", "code")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.With("GET", "200").Inc()
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := NewRegistry().Histogram("h", "", DefBuckets, "route")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		x := 0.0
		for pb.Next() {
			h.With("/api/orders").Observe(x)
			x += 0.001
			if x > 12 {
				x = 0
			}
		}
	})
}
