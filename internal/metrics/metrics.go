// Package metrics exposes server metrics in the Prometheus text exposition
// format (version 0.0.4) using only the standard library.
//
// It exists so the server can be scraped by Prometheus without pulling in
// client_golang and its dependency tree. It covers what the server needs:
// counters, gauges, histograms and gauges computed at scrape time, each with
// optional labels. Everything is safe for concurrent use, and updating a
// child that already exists does not allocate, so instrumentation can sit on
// request paths.
//
// Registration mistakes (bad names, duplicate names, wrong label counts) are
// programming errors and panic, so they surface at startup or in tests rather
// than as silently missing series.
package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DefBuckets suits request latencies in seconds, from sub-millisecond cache
// hits to requests that time out.
var DefBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Sample is one series of a GaugeFunc, reported at scrape time.
type Sample struct {
	LabelValues []string
	Value       float64
}

// Counter is a monotonically increasing value.
type Counter struct {
	// Whole-number increments go to n with a single atomic add, which stays
	// cheap under contention; only fractional additions pay for a CAS loop.
	n    atomic.Uint64
	frac atomic.Uint64 // float64 bits
}

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds n, which must not be negative: a counter that goes down breaks
// rate() and increase() on the Prometheus side, so it is treated as a bug.
func (c *Counter) Add(n float64) {
	if n < 0 {
		panic("metrics: counter cannot decrease")
	}
	// Below 2^53 whole numbers are exact in both representations.
	if n == math.Trunc(n) && n <= 1<<53 {
		c.n.Add(uint64(n))
		return
	}
	addFloat(&c.frac, n)
}

func (c *Counter) value() float64 {
	return float64(c.n.Load()) + math.Float64frombits(c.frac.Load())
}

// Gauge is a value that can go up and down.
type Gauge struct {
	bits atomic.Uint64 // float64 bits
}

// Set sets the gauge to x.
func (g *Gauge) Set(x float64) { g.bits.Store(math.Float64bits(x)) }

// Inc adds one.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.Add(-1) }

// Add adds x, which may be negative.
func (g *Gauge) Add(x float64) { addFloat(&g.bits, x) }

func (g *Gauge) value() float64 { return math.Float64frombits(g.bits.Load()) }

// Histogram counts observations into buckets.
type Histogram struct {
	upper []float64 // shared, read-only bucket upper bounds, without +Inf
	// Per-bucket (not cumulative) counts, with a last slot for +Inf. The total
	// count is derived from them at scrape time rather than kept separately,
	// so _count always equals the +Inf bucket even mid-update.
	counts  []atomic.Uint64
	sumBits atomic.Uint64 // float64 bits
}

// Observe records x. NaN lands in the +Inf bucket and poisons the sum, as
// in the Prometheus client.
func (h *Histogram) Observe(x float64) {
	h.counts[sort.SearchFloat64s(h.upper, x)].Add(1)
	addFloat(&h.sumBits, x)
}

// ObserveSince records the seconds elapsed since t.
func (h *Histogram) ObserveSince(t time.Time) { h.Observe(time.Since(t).Seconds()) }

// snapshot returns cumulative bucket counts (the last being +Inf, which is
// also the total count) and the sum. A scrape racing with Observe may see a
// sum that is one observation off from the counts; Prometheus tolerates that.
func (h *Histogram) snapshot() (cum []uint64, sum float64) {
	cum = make([]uint64, len(h.counts))
	var acc uint64
	for i := range h.counts {
		acc += h.counts[i].Load()
		cum[i] = acc
	}
	return cum, math.Float64frombits(h.sumBits.Load())
}

func addFloat(bits *atomic.Uint64, d float64) {
	for {
		old := bits.Load()
		if bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// CounterVec is a counter family partitioned by label values.
type CounterVec struct{ v *vec[Counter] }

// With returns the child for labelValues, creating it on first use. It
// panics if the number of values does not match the registered label names.
// Callers on hot paths may keep the returned child to skip the lookup.
func (v *CounterVec) With(labelValues ...string) *Counter { return v.v.with(labelValues) }

// GaugeVec is a gauge family partitioned by label values.
type GaugeVec struct{ v *vec[Gauge] }

// With returns the child for labelValues, creating it on first use. It
// panics if the number of values does not match the registered label names.
func (v *GaugeVec) With(labelValues ...string) *Gauge { return v.v.with(labelValues) }

// HistogramVec is a histogram family partitioned by label values.
type HistogramVec struct{ v *vec[Histogram] }

// With returns the child for labelValues, creating it on first use. It
// panics if the number of values does not match the registered label names.
func (v *HistogramVec) With(labelValues ...string) *Histogram { return v.v.with(labelValues) }

// vec holds the children of one metric family.
//
// Children are keyed by a hash of their label values rather than by a joined
// string so that looking up an existing child builds no key and allocates
// nothing; collisions are chained and resolved by comparing the values. The
// map is a sync.Map because its lookups take no lock: with an RWMutex every
// With does two atomic writes to one shared word, and on a parallel hot path
// that cache line bouncing between cores costs more than the update itself.
type vec[T any] struct {
	name       string
	labelNames []string
	init       func(*T) // prepares a new child; nil if the zero value will do

	mu       sync.Mutex // serialises adding children
	children sync.Map   // uint64 hash -> *child[T]
}

type child[T any] struct {
	values []string
	labels string    // rendered `a="x",b="y"`, so scrapes need not re-escape
	next   *child[T] // next child with the same hash; never changes once published
	m      T
}

func newVec[T any](name string, labelNames []string, init func(*T)) *vec[T] {
	v := &vec[T]{name: name, labelNames: labelNames, init: init}
	if len(labelNames) == 0 {
		// A metric without labels has exactly one series; create it now so it
		// is exported as zero before its first update, as Prometheus expects.
		v.with(nil)
	}
	return v
}

func (v *vec[T]) with(lvs []string) *T {
	if len(lvs) != len(v.labelNames) {
		panic(fmt.Sprintf("metrics: %s: got %d label values, want %d", v.name, len(lvs), len(v.labelNames)))
	}
	h := hashValues(lvs)
	if head, ok := v.children.Load(h); ok {
		for c := head.(*child[T]); c != nil; c = c.next {
			if slices.Equal(c.values, lvs) {
				return &c.m
			}
		}
	}
	return v.add(h, lvs)
}

func (v *vec[T]) add(h uint64, lvs []string) *T {
	for i, s := range lvs {
		// Checked here rather than in with so the hot path stays free of it;
		// invalid UTF-8 would make the whole scrape unparseable.
		if !utf8.ValidString(s) {
			panic(fmt.Sprintf("metrics: %s: label %s value is not valid UTF-8", v.name, v.labelNames[i]))
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	// Another goroutine may have added it since with looked.
	var head *child[T]
	if x, ok := v.children.Load(h); ok {
		head = x.(*child[T])
		for c := head; c != nil; c = c.next {
			if slices.Equal(c.values, lvs) {
				return &c.m
			}
		}
	}
	c := &child[T]{values: slices.Clone(lvs), labels: renderLabels(v.labelNames, lvs), next: head}
	if v.init != nil {
		v.init(&c.m)
	}
	v.children.Store(h, c)
	return &c.m
}

// sorted returns the children ordered by label values, for stable output.
func (v *vec[T]) sorted() []*child[T] {
	var cs []*child[T]
	v.children.Range(func(_, head any) bool {
		for c := head.(*child[T]); c != nil; c = c.next {
			cs = append(cs, c)
		}
		return true
	})
	slices.SortFunc(cs, func(a, b *child[T]) int { return slices.Compare(a.values, b.values) })
	return cs
}

// hashValues is FNV-1a, written out because hash/fnv would allocate. The 0xff
// separator cannot occur in UTF-8, so ("ab","c") and ("a","bc") differ.
func hashValues(lvs []string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range lvs {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}
