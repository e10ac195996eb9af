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
// the wall and CPU time and the growth of the process's peak RSS over its
// RSS before (VmHWM, reset through /proc/self/clear_refs), under two soft
// memory limits. "held": the live heap plus 64 MiB, so the growth is what
// the export holds rather than garbage a lazy collector leaves about; it
// fails above 100 MiB. "serve": the limit sitmap serve sets (live and half,
// the tile cache, 256 MiB), for the time a server takes. Both fail when
// GDAL does not count every feature in the files.
func BenchmarkItemsGPKGWorkload(b *testing.B) {
	srv := itemsWorkload(b)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, c := range []struct {
		name      string
		limit     func(live int64) int64
		maxGrowth int64
	}{
		{"held", func(live int64) int64 { return live + 64<<20 }, 100 << 20},
		{"serve", func(live int64) int64 { return live + live/2 + 128<<20 + 256<<20 }, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			for b.Loop() {
				runtime.GC()
				live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
				metrics.Read(live)
				defer debug.SetMemoryLimit(debug.SetMemoryLimit(c.limit(int64(live[0].Value.Uint64()))))
				growth := exportGPKG(b, hs.URL, dir)
				if c.maxGrowth > 0 && growth > c.maxGrowth {
					b.Errorf("peak RSS grew by %d MiB during the export, want < %d", growth>>20, c.maxGrowth>>20)
				}
			}
			checkGPKGCounts(b, dir)
		})
	}
}

// exportGPKG downloads each workload collection as GeoPackage into dir,
// reports the figures and returns the peak RSS growth.
func exportGPKG(b *testing.B, base, dir string) int64 {
	b.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Fatalf("reset the peak RSS: %v", err)
	}
	before := procStatus(b, "VmRSS")
	start, cpu0 := time.Now(), cpuTime()
	var size int64
	for _, c := range workload.Collections() {
		resp, err := http.Get(base + "/collections/" + c.ID + "/items?f=gpkg")
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
	return growth
}

// checkGPKGCounts has GDAL count the features of the files.
func checkGPKGCounts(b *testing.B, dir string) {
	b.Helper()
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
