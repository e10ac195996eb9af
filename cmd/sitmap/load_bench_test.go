package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/workload"
)

// The load benchmarks run the real binary on the 222,000-feature workload
// and drive it from a second process, wrk -t2 -c16, as DESIGN.md measures
// the servers we compare against. Run them with `make bench`.

// loadedServer imports the workload with the CLI (timing it) and serves it.
func loadedServer(b *testing.B) (addr string, cmd *exec.Cmd, importTime time.Duration) {
	b.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk is not installed: apt-get install wrk (make bench does this)")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "sitmap")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "workload.geojson")
	f, err := os.Create(data)
	if err != nil {
		b.Fatal(err)
	}
	if err := workload.WriteGeoJSON(f, workload.Generate(1)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	db := filepath.Join(dir, "w.db")
	start := time.Now()
	if out, err := exec.Command(bin, "import", "--db", db, data).CombinedOutput(); err != nil {
		b.Fatalf("import: %v\n%s", err, out)
	}
	importTime = time.Since(start)

	addr = freeAddr(b)
	cmd = exec.Command(bin, "serve", "--db", db, "--addr", addr)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for i := 0; i < 600; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr, cmd, importTime
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("server did not come up")
	return "", nil, 0
}

// bboxPaths are /items requests for random 0.5° boxes round the towns.
func bboxPaths(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	towns := workload.Towns()
	paths := make([]string, n)
	for i := range paths {
		t := towns[r.IntN(len(towns))]
		w := t.Center[0] - 0.25 + r.Float64()*0.2 - 0.1
		s := t.Center[1] - 0.25 + r.Float64()*0.2 - 0.1
		paths[i] = fmt.Sprintf("/collections/points/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", w, s, w+0.5, s+0.5)
	}
	return paths
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	rps, p50, p99 float64 // requests/s, milliseconds
	non2xx        int
}

var (
	rpsRE    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	pctRE    = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)`)
	non2xxRE = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// runWrk runs wrk -t2 -c16 over the paths (round robin) for d; plain wrk
// asks for no compression, as in the figures DESIGN.md compares with.
func runWrk(b *testing.B, base string, paths []string, d time.Duration, gzip bool) wrkResult {
	b.Helper()
	header := "{}"
	if gzip {
		header = `{["Accept-Encoding"] = "gzip"}`
	}
	var lua strings.Builder
	lua.WriteString("local paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&lua, "%q,\n", p)
	}
	fmt.Fprintf(&lua, "}\nlocal i = 0\nrequest = function()\n  i = i %% #paths + 1\n  return wrk.format(\"GET\", paths[i], %s)\nend\n", header)
	script := filepath.Join(b.TempDir(), "paths.lua")
	if err := os.WriteFile(script, []byte(lua.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("wrk", "-t2", "-c16", "-d", d.String(), "--latency", "-s", script, base).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	return parseWrk(b, string(out))
}

func parseWrk(b *testing.B, out string) wrkResult {
	b.Helper()
	var res wrkResult
	m := rpsRE.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("no Requests/sec in wrk output:\n%s", out)
	}
	res.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range pctRE.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		v *= map[string]float64{"us": 0.001, "ms": 1, "s": 1000}[m[3]]
		if m[1] == "50" {
			res.p50 = v
		} else {
			res.p99 = v
		}
	}
	if m := non2xxRE.FindStringSubmatch(out); m != nil {
		res.non2xx, _ = strconv.Atoi(m[1])
	}
	return res
}

func rssMB(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(raw)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseFloat(string(m[1]), 64)
	return kb / 1024
}

// abandonRequests starts n large requests and drops each mid-response.
func abandonRequests(base string, n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", base+"/collections/points/items?limit=10000", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
}

// BenchmarkLoadItemsBBox: /items with 0.5° boxes and limit=100, then again
// after 2,000 clients disconnected mid-request (no slowdown, no leak).
func BenchmarkLoadItemsBBox(b *testing.B) {
	addr, cmd, importTime := loadedServer(b)
	base := "http://" + addr
	paths := bboxPaths(2000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		before := runWrk(b, base, paths, 10*time.Second, false)
		gz := runWrk(b, base, paths, 10*time.Second, true)
		rssBefore := rssMB(cmd.Process.Pid)
		abandonRequests(base, 2000)
		time.Sleep(time.Second)
		after := runWrk(b, base, paths, 10*time.Second, false)
		if before.non2xx > 0 || after.non2xx > 0 {
			b.Fatalf("non-2xx responses: %d before, %d after", before.non2xx, after.non2xx)
		}
		b.ReportMetric(importTime.Seconds(), "import-s")
		b.ReportMetric(before.rps, "req/s")
		b.ReportMetric(before.p50, "p50-ms")
		b.ReportMetric(before.p99, "p99-ms")
		b.ReportMetric(gz.rps, "req/s-gzip")
		b.ReportMetric(gz.p99, "p99-ms-gzip")
		b.ReportMetric(after.rps, "req/s-after-disconnects")
		b.ReportMetric(after.p99, "p99-ms-after-disconnects")
		b.ReportMetric(rssBefore, "rss-MB")
		b.ReportMetric(rssMB(cmd.Process.Pid), "rss-MB-after-disconnects")
	}
}
