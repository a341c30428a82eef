package metrics

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RegisterRuntime adds the Go runtime's metrics (go_*) and the process's (process_*)
// under the names Prometheus' Go client gives them, so that the usual dashboards and
// alerts read them unchanged. The runtime's figures come from runtime/metrics, which
// does not stop the world as runtime.ReadMemStats does; the process's from /proc, so
// off Linux only process_start_time_seconds is there.
func RegisterRuntime(r *Registry) {
	sn := &sampler{}
	for i := range runtimeFamilies {
		f := &runtimeFamilies[i]
		r.register(f.name, f.help, f.typ, nil, nil, func(b []byte) ([]byte, error) {
			if v, ok := f.read(sn.get()); ok {
				b = appendSample(b, f.name, "", "", "", v)
			}
			return b, nil
		})
	}
	r.GaugeFunc("go_info", "Information about the Go environment.", []string{"version"}, func() []Sample {
		return []Sample{{LabelValues: []string{runtime.Version()}, Value: 1}}
	})
	const gcName = "go_gc_duration_seconds"
	r.register(gcName, "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
		"summary", nil, []string{"quantile"}, func(b []byte) ([]byte, error) {
			gc := &sn.get().gc
			for i, q := range []string{"0", "0.25", "0.5", "0.75", "1"} {
				b = appendSample(b, gcName, "", `quantile="`+q+`"`, "", gc.PauseQuantiles[i].Seconds())
			}
			b = appendSample(b, gcName, "_sum", "", "", gc.PauseTotal.Seconds())
			return appendSample(b, gcName, "_count", "", "", float64(gc.NumGC)), nil
		})
}

// rtFamily is an unlabelled go_* or process_* series: a runtime/metrics value or the
// sum of a few (rt), or else what value reads.
type rtFamily struct {
	name, typ, help string
	rt              []string
	value           func(*snapshot) (float64, bool)
}

var runtimeFamilies = []rtFamily{
	{"go_goroutines", "gauge", "Number of goroutines that currently exist.", []string{"/sched/goroutines:goroutines"}, nil},
	{"go_threads", "gauge", "Number of OS threads owned by the Go runtime.", []string{"/sched/threads/total:threads"}, nil},
	{"go_sched_gomaxprocs_threads", "gauge", "The current runtime.GOMAXPROCS setting.", []string{"/sched/gomaxprocs:threads"}, nil},
	{"go_gc_gogc_percent", "gauge", "Heap size target percentage configured by GOGC or debug.SetGCPercent.", []string{"/gc/gogc:percent"}, nil},
	{"go_gc_gomemlimit_bytes", "gauge", "Go runtime memory limit configured by GOMEMLIMIT or debug.SetMemoryLimit.", []string{"/gc/gomemlimit:bytes"}, nil},
	{"go_memstats_alloc_bytes", "gauge", "Number of bytes allocated in heap and currently in use.", []string{"/memory/classes/heap/objects:bytes"}, nil},
	{"go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated in heap until now, even if released already.", []string{"/gc/heap/allocs:bytes"}, nil},
	{"go_memstats_sys_bytes", "gauge", "Number of bytes obtained from the system.", []string{"/memory/classes/total:bytes"}, nil},
	{"go_memstats_mallocs_total", "counter", "Total number of heap objects allocated.", []string{"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects"}, nil},
	{"go_memstats_frees_total", "counter", "Total number of heap objects freed.", []string{"/gc/heap/frees:objects", "/gc/heap/tiny/allocs:objects"}, nil},
	{"go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and currently in use.", []string{"/memory/classes/heap/objects:bytes"}, nil},
	{"go_memstats_heap_sys_bytes", "gauge", "Number of heap bytes obtained from the system.",
		[]string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes", "/memory/classes/heap/free:bytes", "/memory/classes/heap/released:bytes"}, nil},
	{"go_memstats_heap_idle_bytes", "gauge", "Number of heap bytes waiting to be used.", []string{"/memory/classes/heap/released:bytes", "/memory/classes/heap/free:bytes"}, nil},
	{"go_memstats_heap_inuse_bytes", "gauge", "Number of heap bytes in spans in use.", []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}, nil},
	{"go_memstats_heap_released_bytes", "gauge", "Number of heap bytes released to the OS.", []string{"/memory/classes/heap/released:bytes"}, nil},
	{"go_memstats_heap_objects", "gauge", "Number of currently allocated objects.", []string{"/gc/heap/objects:objects"}, nil},
	{"go_memstats_next_gc_bytes", "gauge", "Number of heap bytes when the next garbage collection will take place.", []string{"/gc/heap/goal:bytes"}, nil},
	{"go_memstats_stack_inuse_bytes", "gauge", "Number of bytes in use by the stack allocator.", []string{"/memory/classes/heap/stacks:bytes"}, nil},
	{"go_memstats_stack_sys_bytes", "gauge", "Number of bytes obtained from the system for the stack allocator.", []string{"/memory/classes/heap/stacks:bytes", "/memory/classes/os-stacks:bytes"}, nil},
	{"go_memstats_gc_sys_bytes", "gauge", "Number of bytes used for garbage collection system metadata.", []string{"/memory/classes/metadata/other:bytes"}, nil},
	{"go_memstats_last_gc_time_seconds", "gauge", "Number of seconds since 1970 of the last garbage collection.", nil, func(s *snapshot) (float64, bool) {
		if s.gc.LastGC.IsZero() {
			return 0, true
		}
		return float64(s.gc.LastGC.UnixNano()) / 1e9, true
	}},
	{"process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", nil, proc("cpu")},
	{"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", nil, proc("rss")},
	{"process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", nil, proc("vsize")},
	{"process_open_fds", "gauge", "Number of open file descriptors.", nil, proc("fds")},
	{"process_max_fds", "gauge", "Maximum number of open file descriptors.", nil, proc("maxfds")},
	{"process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", nil, func(s *snapshot) (float64, bool) {
		if v, ok := s.proc["start"]; ok {
			return v, true
		}
		return float64(loaded.UnixNano()) / 1e9, true
	}},
}

// read is the family's value in s; false leaves it out of the scrape.
func (f *rtFamily) read(s *snapshot) (float64, bool) {
	if f.value != nil {
		return f.value(s)
	}
	var sum float64
	for _, n := range f.rt {
		v, ok := s.rt[n]
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, true
}

// loaded stands in for the process's start time where /proc cannot tell it.
var loaded = time.Now()

func proc(key string) func(*snapshot) (float64, bool) {
	return func(s *snapshot) (float64, bool) {
		v, ok := s.proc[key]
		return v, ok
	}
}

// snapshot is what one reading of the runtime and /proc said, so that the families of
// one scrape agree with each other (heap in use and idle add up to heap obtained).
type snapshot struct {
	rt   map[string]float64 // runtime/metrics, by name
	gc   debug.GCStats
	proc map[string]float64 // from /proc: cpu, rss, vsize, fds, maxfds, start
}

// sampler reads a snapshot at most once a second, however many families ask.
type sampler struct {
	mu   sync.Mutex
	at   time.Time
	last *snapshot
}

func (sn *sampler) get() *snapshot {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.last == nil || time.Since(sn.at) >= time.Second {
		sn.last, sn.at = readSnapshot(), time.Now()
	}
	return sn.last
}

func readSnapshot() *snapshot {
	s := &snapshot{rt: map[string]float64{}, proc: map[string]float64{}}
	var samples []rtmetrics.Sample
	for _, f := range runtimeFamilies {
		for _, n := range f.rt {
			if _, dup := s.rt[n]; !dup {
				s.rt[n] = 0
				samples = append(samples, rtmetrics.Sample{Name: n})
			}
		}
	}
	rtmetrics.Read(samples)
	for _, x := range samples {
		switch x.Value.Kind() {
		case rtmetrics.KindUint64:
			s.rt[x.Name] = float64(x.Value.Uint64())
		case rtmetrics.KindFloat64:
			s.rt[x.Name] = x.Value.Float64()
		default: // not known to this Go: the families that need it are left out
			delete(s.rt, x.Name)
		}
	}
	s.gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&s.gc)
	readProc(s.proc)
	return s
}

// userHZ is the kernel's clock tick for /proc's times: 100 on every Linux Prometheus'
// own procfs reader knows of, which assumes it too.
const userHZ = 100

// readProc fills what /proc/self tells; nothing where there is no /proc.
func readProc(into map[string]float64) {
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The command name, in parentheses, may hold spaces; the fields after it don't.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			// f[0] is field 3 of proc(5): utime is 14, stime 15, starttime 22, vsize 23, rss 24.
			if len(f) > 21 {
				num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k-3], 64); return v }
				into["cpu"] = (num(14) + num(15)) / userHZ
				into["vsize"] = num(23)
				into["rss"] = num(24) * float64(os.Getpagesize())
				if boot, err := bootTime(); err == nil {
					into["start"] = boot + num(22)/userHZ
				}
			}
		}
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		into["fds"] = float64(len(fds))
	}
	if f, err := os.Open("/proc/self/limits"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
				if v := strings.Fields(rest); len(v) > 0 {
					if n, err := strconv.ParseFloat(v[0], 64); err == nil {
						into["maxfds"] = n
					}
				}
			}
		}
	}
}

// bootTime is when the machine started, in unix seconds (btime in /proc/stat).
var bootTime = sync.OnceValues(func() (float64, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, errors.New("no btime in /proc/stat")
})
