package metrics

import (
	"bytes"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleLine is one series line of the text format: name, optional labels, value.
var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$`)

// scrape parses an exposition into its values by series (name plus labels), failing on
// a line the text format does not allow or a series without a TYPE.
func scrape(t *testing.T, text string) map[string]float64 {
	t.Helper()
	typed := map[string]string{}
	got := map[string]float64{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if f, ok := strings.CutPrefix(l, "# TYPE "); ok {
			name, typ, _ := strings.Cut(f, " ")
			typed[name] = typ
			continue
		}
		if strings.HasPrefix(l, "# HELP ") {
			continue
		}
		m := sampleLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("not a sample line: %q", l)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		base := m[1]
		for _, suf := range []string{"_sum", "_count", "_bucket"} {
			if b, ok := strings.CutSuffix(base, suf); ok && typed[b] != "" {
				base = b
			}
		}
		if typed[base] == "" {
			t.Fatalf("%q has no TYPE line", l)
		}
		got[m[1]+m[2]] = v
	}
	return got
}

func TestRuntimeMetrics(t *testing.T) {
	r := NewRegistry()
	RegisterRuntime(r)
	runtime.GC()
	// Some CPU time for process_cpu_seconds_total to count, in the kernel's 10ms ticks.
	for start := time.Now(); time.Since(start) < 100*time.Millisecond; {
	}
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	got := scrape(t, buf.String())
	now := float64(time.Now().Unix())
	for _, c := range []struct {
		series string
		ok     func(float64) bool
	}{
		{"go_goroutines", func(v float64) bool { return v >= 1 }},
		{"go_threads", func(v float64) bool { return v >= 1 }},
		{"go_sched_gomaxprocs_threads", func(v float64) bool { return v == float64(runtime.GOMAXPROCS(0)) }},
		{`go_info{version="` + runtime.Version() + `"}`, func(v float64) bool { return v == 1 }},
		{`go_gc_duration_seconds{quantile="0.5"}`, func(v float64) bool { return v >= 0 && v < 10 }},
		{"go_gc_duration_seconds_count", func(v float64) bool { return v >= 1 }},
		{"go_memstats_last_gc_time_seconds", func(v float64) bool { return v > now-60 && v <= now+1 }},
		{"go_memstats_heap_inuse_bytes", func(v float64) bool { return v > 0 }},
		{"go_memstats_heap_sys_bytes", func(v float64) bool {
			return v == got["go_memstats_heap_inuse_bytes"]+got["go_memstats_heap_idle_bytes"]
		}},
		{"go_memstats_alloc_bytes_total", func(v float64) bool { return v >= got["go_memstats_alloc_bytes"] }},
		{"go_memstats_mallocs_total", func(v float64) bool { return v >= got["go_memstats_frees_total"] }},
		{"process_start_time_seconds", func(v float64) bool { return v > now-3600 && v <= now+1 }},
	} {
		v, ok := got[c.series]
		if !ok || !c.ok(v) {
			t.Errorf("%s = %v (present %v)", c.series, v, ok)
		}
	}
	if runtime.GOOS == "linux" {
		for _, c := range []struct {
			series string
			ok     func(float64) bool
		}{
			{"process_cpu_seconds_total", func(v float64) bool { return v > 0 }},
			{"process_resident_memory_bytes", func(v float64) bool { return v > 1<<20 }},
			{"process_virtual_memory_bytes", func(v float64) bool { return v >= got["process_resident_memory_bytes"] }},
			{"process_open_fds", func(v float64) bool { return v >= 3 }},
			{"process_max_fds", func(v float64) bool { return v >= got["process_open_fds"] }},
		} {
			v, ok := got[c.series]
			if !ok || !c.ok(v) {
				t.Errorf("%s = %v (present %v)", c.series, v, ok)
			}
		}
	}
	for _, typ := range []string{"# TYPE go_gc_duration_seconds summary", "# TYPE process_cpu_seconds_total counter",
		"# TYPE go_memstats_alloc_bytes_total counter", "# TYPE go_goroutines gauge"} {
		if !strings.Contains(buf.String(), typ+"\n") {
			t.Errorf("missing %q", typ)
		}
	}
}

func TestSummaryNamesTaken(t *testing.T) {
	r := NewRegistry()
	RegisterRuntime(r)
	defer func() {
		if recover() == nil {
			t.Error("a gauge named like the summary's _count registered")
		}
	}()
	r.Gauge("go_gc_duration_seconds_count", "")
}
