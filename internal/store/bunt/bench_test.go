package bunt_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/storebench"
	"github.com/sitmap/sitmap/internal/workload"
)

// bench are bunt's options for the shared suite: the store works in
// this process, so its CPU time is what the work cost.
var bench = storebench.Options{InProcess: true}

// openEmpty opens a fresh file store in b's temporary folder.
func openEmpty(tb testing.TB) store.Store {
	tb.Helper()
	s, err := bunt.Open(filepath.Join(tb.TempDir(), "import.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkImport is `sitmap import` of the full workload into a fresh file
// store: validate every feature, then one Put (one transaction, fsynced).
func BenchmarkImport(b *testing.B) { storebench.Import(b, openEmpty, bench) }

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
		storebench.Load(b, s, storebench.Workload())
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

// BenchmarkBBoxQuery is /items?bbox= with a 0.5° box and limit 100 on each
// collection (storebench.BBoxQuery).
func BenchmarkBBoxQuery(b *testing.B) { storebench.BBoxQuery(b, loadedWorkload(b), bench) }

// BenchmarkFilterVsEquality is storebench.FilterVsEquality on the shared
// workload store.
func BenchmarkFilterVsEquality(b *testing.B) {
	storebench.FilterVsEquality(b, loadedWorkload(b), bench)
}

// BenchmarkBBoxQueryReopened is BenchmarkBBoxQuery on points after Close
// and Open, as a restarted server has them: buntdb rebuilds its R-tree on
// open, in its own order rather than the import's.
func BenchmarkBBoxQueryReopened(b *testing.B) {
	path := filepath.Join(b.TempDir(), "reopened.db")
	s, err := bunt.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	storebench.Load(b, s, storebench.Workload())
	s.Close()
	t0 := time.Now()
	s, err = bunt.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	open := time.Since(t0)
	defer s.Close()
	storebench.BBox(b, s, workload.PointsID, bench)
	// After the loop, which clears metrics reported before it.
	b.ReportMetric(open.Seconds(), "s-open")
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
