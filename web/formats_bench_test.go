package web_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/workload"
)

// procStatus reads a kB figure (VmRSS, VmHWM) of this process, in bytes.
func procStatus(b *testing.B, key string) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkItemsGPKGWorkload downloads every collection of the 222,000-
// feature workload as GeoPackage (f=gpkg, no limit) over HTTP and reports
// the time and the growth of the process's peak RSS over its RSS before
// (VmHWM, reset through /proc/self/clear_refs). Go's soft memory limit is
// the live heap plus 64 MiB, as a server on a small machine would run
// (serve sets live + tile cache + 256 MiB): the figure is what the export
// holds, not garbage that a lazier collector leaves about. It fails above
// 100 MiB, or when GDAL does not count every feature in the files.
func BenchmarkItemsGPKGWorkload(b *testing.B) {
	srv := itemsWorkload(b)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := b.TempDir()
	for b.Loop() {
		runtime.GC()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(live[0].Value.Uint64()) + 64<<20))
		if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
			b.Fatalf("reset the peak RSS: %v", err)
		}
		before := procStatus(b, "VmRSS")
		start, cpu0 := time.Now(), cpuTime()
		var size int64
		for _, c := range workload.Collections() {
			resp, err := http.Get(hs.URL + "/collections/" + c.ID + "/items?f=gpkg")
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%s: %v %v", c.ID, err, resp)
			}
			f, err := os.Create(filepath.Join(dir, c.ID+".gpkg"))
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(f, resp.Body)
			resp.Body.Close()
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			size += n
		}
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		growth := procStatus(b, "VmHWM") - before
		b.ReportMetric(elapsed.Seconds(), "s/export")
		// The CPU time says more than the wall time on a shared machine.
		b.ReportMetric(cpu.Seconds(), "s-cpu/export")
		b.ReportMetric(float64(growth)/(1<<20), "MiB-rss-growth")
		b.ReportMetric(float64(size)/(1<<20), "MiB-file")
		if growth > 100<<20 {
			b.Errorf("peak RSS grew by %d MiB during the export, want < 100", growth>>20)
		}
	}
	total := 0
	for _, c := range workload.Collections() {
		out, err := exec.Command("ogrinfo", "-ro", "-so", filepath.Join(dir, c.ID+".gpkg"), c.ID).CombinedOutput()
		m := regexp.MustCompile(`Feature Count: (\d+)`).FindSubmatch(out)
		if err != nil || m == nil {
			b.Fatalf("ogrinfo %s: %v\n%s", c.ID, err, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		total += n
	}
	if total != 222000 {
		b.Errorf("GDAL counts %d features in the files, want 222,000", total)
	}
}
