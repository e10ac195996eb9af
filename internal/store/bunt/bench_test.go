package bunt_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// The workload is generated once per test binary: generation is not what
// the benchmarks measure.
var (
	workloadOnce sync.Once
	workloadFS   []*geo.Feature
)

func fullWorkload() []*geo.Feature {
	workloadOnce.Do(func() { workloadFS = workload.Generate(1) })
	return workloadFS
}

func openWorkloadStore(tb testing.TB, path string) *bunt.Store {
	tb.Helper()
	s, err := bunt.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := workload.Load(context.Background(), s, nil); err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkImport is `sitmap import` of the full workload into a fresh file
// store: validate every feature, then one Put (one transaction, fsynced).
// Goal: under 10 s.
func BenchmarkImport(b *testing.B) {
	all := fullWorkload()
	cols := workload.ByID()
	ctx := context.Background()
	var validate, put, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		fs := all
		s := openWorkloadStore(b, filepath.Join(b.TempDir(), "import-"+strconv.Itoa(i)+".db"))
		runtime.GC()
		b.StartTimer()

		c0, _ := processCPU()
		t0 := time.Now()
		if err := geo.ValidateAll(fs, func(f *geo.Feature) *geo.Collection { return cols[f.Collection()] }); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		c1, _ := processCPU()
		cpu += c1 - c0
		validate += t1.Sub(t0)
		put += t2.Sub(t1)

		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric((validate+put).Seconds()/float64(b.N), "s/import")
	b.ReportMetric(validate.Seconds()/float64(b.N), "s/validate")
	b.ReportMetric(put.Seconds()/float64(b.N), "s/put")
	b.ReportMetric(float64(len(all))/((validate+put).Seconds()/float64(b.N)), "features/s")
	// CPU seconds (all threads) tell what the import costs when other
	// processes share the machine and stretch the wall time.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "s-cpu/import")
}

var (
	loadedOnce  sync.Once
	loadedStore *bunt.Store
	loadedDir   string
)

// loadedWorkload is a file store holding the full workload, shared by the
// query benchmarks of one test binary.
func loadedWorkload(b *testing.B) *bunt.Store {
	b.Helper()
	loadedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sitmap-bench-")
		if err != nil {
			b.Fatal(err)
		}
		loadedDir = dir
		s, err := bunt.Open(filepath.Join(dir, "workload.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := workload.Load(context.Background(), s, fullWorkload()); err != nil {
			b.Fatal(err)
		}
		loadedStore = s
	})
	if loadedStore == nil {
		b.Fatal("loading the workload failed earlier")
	}
	return loadedStore
}

// TestMain removes the shared benchmark store when the binary ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if loadedStore != nil {
		loadedStore.Close()
		os.RemoveAll(loadedDir)
	}
	os.Exit(code)
}

// randomBoxes are 0.5° boxes centred near the towns, where the data is.
func randomBoxes(n int) []geo.BBox {
	r := rand.New(rand.NewPCG(7, 7))
	towns := workload.Towns()
	out := make([]geo.BBox, n)
	for i := range out {
		t := towns[r.IntN(len(towns))]
		x := t.Center[0] + r.NormFloat64()*0.2
		y := t.Center[1] + r.NormFloat64()*0.2
		out[i] = geo.BBox{West: x - 0.25, South: y - 0.25, East: x + 0.25, North: y + 0.25}
	}
	return out
}

// queriesPerOp makes one benchmark op a batch of queries, so that even
// `make bench` (-benchtime 1x) measures a median over many boxes.
const queriesPerOp = 500

// BenchmarkBBoxQuery is /items?bbox= with a 0.5° box and limit 100 on each
// collection; one op is queriesPerOp queries. Goal: median under 0.5 ms
// (on points, the biggest collection).
func BenchmarkBBoxQuery(b *testing.B) {
	for _, cid := range []string{workload.PointsID, workload.PolygonsID, workload.LinesID} {
		b.Run(cid, func(b *testing.B) {
			benchBBox(b, loadedWorkload(b), cid)
		})
	}
}

// BenchmarkBBoxQueryReopened is BenchmarkBBoxQuery on points after Close
// and Open, as a restarted server has them: buntdb rebuilds its R-tree on
// open, in its own order rather than the import's.
func BenchmarkBBoxQueryReopened(b *testing.B) {
	path := filepath.Join(b.TempDir(), "reopened.db")
	s := openWorkloadStore(b, path)
	if _, err := s.Put(context.Background(), fullWorkload(), store.Upsert); err != nil {
		b.Fatal(err)
	}
	s.Close()
	t0 := time.Now()
	s, err := bunt.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	open := time.Since(t0)
	defer s.Close()
	benchBBox(b, s, workload.PointsID)
	// After the loop, which clears metrics reported before it.
	b.ReportMetric(open.Seconds(), "s-open")
}

func benchBBox(b *testing.B, s *bunt.Store, cid string) {
	boxes := randomBoxes(1024)
	ctx := context.Background()
	var times, cpu []time.Duration
	matched := 0
	i := 0
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for b.Loop() {
		for range queriesPerOp {
			bb := boxes[i%len(boxes)]
			i++
			c0, _ := threadCPU()
			t0 := time.Now()
			p, err := s.Query(ctx, store.Query{Collection: cid, Filter: geo.Filter{BBox: &bb}, Limit: 100})
			times = append(times, time.Since(t0))
			if c1, ok := threadCPU(); ok {
				cpu = append(cpu, c1-c0)
			}
			if err != nil {
				b.Fatal(err)
			}
			matched += p.Matched
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "µs-median")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "µs-p99")
	if len(cpu) > 0 {
		// CPU time is what the query cost even when other
		// processes share the cores.
		slices.Sort(cpu)
		b.ReportMetric(float64(cpu[len(cpu)/2].Microseconds()), "µs-cpu-median")
		b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds()), "µs-cpu-p99")
	}
	b.ReportMetric(float64(matched)/float64(len(times)), "matched/query")
}

// BenchmarkMemory reports the process's RSS with the full workload loaded,
// measured in a child process (TestMemoryReport) so that the benchmarks'
// own copies of the workload do not count. Goal: under 1 GiB.
func BenchmarkMemory(b *testing.B) {
	var out []byte
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryReport$", "-test.v")
		cmd.Env = append(os.Environ(), "SITMAP_MEMORY_REPORT="+b.TempDir())
		var err error
		if out, err = cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "memory:" {
			v, _ := strconv.ParseFloat(f[2], 64)
			b.ReportMetric(v, f[1])
		}
	}
}

// TestMemoryReport runs only as BenchmarkMemory's child: it imports the
// workload into a file store, drops every other copy, and prints the heap
// and RSS; then again after Close and Open (a restarted server).
func TestMemoryReport(t *testing.T) {
	dir := os.Getenv("SITMAP_MEMORY_REPORT")
	if dir == "" {
		t.Skip("run by BenchmarkMemory")
	}
	path := filepath.Join(dir, "memory.db")
	report := func(when string) {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("memory: MiB-heap-%s %.1f\n", when, float64(ms.HeapAlloc)/(1<<20))
		if rss, ok := vmRSS(); ok {
			fmt.Printf("memory: MiB-RSS-%s %.1f\n", when, float64(rss)/(1<<20))
		}
	}
	s, err := bunt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Load(context.Background(), s, workload.Generate(1)); err != nil {
		t.Fatal(err)
	}
	report("import")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = nil
	runtime.GC()
	s, err = bunt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	report("reopen")
	c, err := s.Collection(context.Background(), workload.PointsID)
	if err != nil || c.Count != workload.Points {
		t.Fatalf("after reopen: %d points, %v", c.Count, err)
	}
}

// vmRSS reads the resident set size from /proc/self/status (Linux only).
func vmRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
