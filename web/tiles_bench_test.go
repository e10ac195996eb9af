package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
	"github.com/sitmap/sitmap/web"
)

var (
	benchOnce  sync.Once
	benchStore store.Store
)

// benchWorkload is the full 222,000-feature workload in an in-memory bunt
// store, loaded once per test binary and shared by the benchmarks.
func benchWorkload(b *testing.B) store.Store {
	benchOnce.Do(func() {
		st, err := bunt.Open(":memory:")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := workload.Load(ctx, st, workload.Generate(1)); err != nil {
			b.Fatal(err)
		}
		benchStore = st
	})
	if benchStore == nil {
		b.Fatal("workload failed to load")
	}
	return benchStore
}

func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// townTiles are the tiles at zoom z that hold a town centre: where the
// workload's data is.
func townTiles(z maptile.Zoom) []maptile.Tile {
	seen := map[maptile.Tile]bool{}
	var out []maptile.Tile
	for _, t := range workload.Towns() {
		tile := maptile.At(t.Center, z)
		if !seen[tile] {
			seen[tile] = true
			out = append(out, tile)
		}
	}
	return out
}

// BenchmarkTileCold renders tiles of "all" with the cache off, through the
// whole HTTP handler (store query, render, gzip), and reports the median
// and 99th percentile per tile, and tile sizes.
func BenchmarkTileCold(b *testing.B) {
	st := benchWorkload(b)
	srv := web.New(web.Config{Store: st, Assets: assets.FS, TileCacheBytes: 0, Log: quietLog()})
	defer srv.Close()
	for _, z := range []maptile.Zoom{6, 9, 12} {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			tiles := townTiles(z)
			var times []time.Duration
			var maxBytes, sumBytes int
			// At least 300 samples, so that -benchtime 1x (make bench)
			// still gives a meaningful 99th percentile.
			n := max(b.N, 300)
			b.ResetTimer()
			for i := 0; i < n; i++ {
				tile := tiles[i%len(tiles)]
				start := time.Now()
				rec := get(srv, tileURL("all", tile))
				times = append(times, time.Since(start))
				if rec.Code != 200 && rec.Code != 204 {
					b.Fatalf("%v: %d %s", tile, rec.Code, rec.Body)
				}
				sumBytes += rec.Body.Len()
				maxBytes = max(maxBytes, rec.Body.Len())
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			ms := func(q float64) float64 {
				return float64(times[min(len(times)-1, int(q*float64(len(times))))]) / 1e6
			}
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
			b.ReportMetric(float64(times[len(times)-1])/1e6, "max-ms")
			b.ReportMetric(float64(sumBytes)/float64(n)/1024, "mean-KB")
			b.ReportMetric(float64(maxBytes)/1024, "max-KB")
		})
	}
}

// BenchmarkBasemapCold renders basemap tiles over the region, z0 to z10,
// with the cache off; the first request also loads the asset.
func BenchmarkBasemapCold(b *testing.B) {
	srv := web.New(web.Config{Store: benchWorkload(b), Assets: assets.FS, Log: quietLog()})
	defer srv.Close()
	start := time.Now()
	get(srv, "/tiles/basemap/0/0/0.mvt")
	first := time.Since(start)
	var times []time.Duration
	var maxBytes int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for z := maptile.Zoom(0); z <= 10; z++ {
			for _, tile := range tilesOver(workload.Bound, z) {
				if z > 6 && (tile.X+tile.Y)%7 != 0 {
					continue // a sample of the deeper zooms
				}
				t0 := time.Now()
				rec := get(srv, tileURL("basemap", tile))
				times = append(times, time.Since(t0))
				maxBytes = max(maxBytes, rec.Body.Len())
			}
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
	b.ReportMetric(float64(maxBytes)/1024, "max-KB")
	b.ReportMetric(float64(first)/1e6, "first-ms")
}

// BenchmarkTileWarm measures cached tiles over real HTTP with wrk (a second
// process, -t2 -c16 as in DESIGN.md), against a minimal static Go server
// sending the same bytes and headers, in the same run.
func BenchmarkTileWarm(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk not found: install it (apt-get install wrk)")
	}
	st := benchWorkload(b)
	srv := web.New(web.Config{Store: st, Assets: assets.FS, TileCacheBytes: 256 << 20, Log: quietLog()})
	defer srv.Close()
	tileBase := serve(b, srv)

	// The busiest town's z9 tile, gzipped as browsers ask for it.
	tile := maptile.At(workload.Towns()[0].Center, 9)
	url := tileBase + tileURL("all", tile)
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("warm-up: %d", resp.StatusCode)
	}
	header := resp.Header.Clone()
	static := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, k := range []string{"Content-Type", "Content-Encoding", "ETag", "Cache-Control", "Vary"} {
			h.Set(k, header.Get(k))
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	staticURL := static + tileURL("all", tile)

	b.ResetTimer()
	// Paired rounds, static then cached, each pair close in time; the
	// medians resist the noise of a shared machine.
	var warm, ceiling, ratio []float64
	for i := 0; i < b.N; i++ {
		for round := 0; round < 5; round++ {
			s := runWrk(b, wrk, staticURL)
			w := runWrk(b, wrk, url)
			ceiling, warm, ratio = append(ceiling, s), append(warm, w), append(ratio, 100*w/s)
		}
	}
	b.StopTimer()
	b.ReportMetric(median(warm), "warm-req/s")
	b.ReportMetric(median(ceiling), "static-req/s")
	b.ReportMetric(median(ratio), "warm/static-%")
	b.ReportMetric(float64(len(body))/1024, "tile-KB")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func serve(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	b.Cleanup(func() { hs.Close() })
	return "http://" + ln.Addr().String()
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func runWrk(b *testing.B, wrk, url string) float64 {
	out, err := exec.Command(wrk, "-t2", "-c16", "-d2s", "-H", "Accept-Encoding: gzip", url).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk output has no rate:\n%s", out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// nullWriter is a connection's ResponseWriter that sends nothing; it
// takes deadlines as net/http's does (without them, each request would
// make the errors of http.ResponseController's ErrNotSupported).
type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header              { return w.h }
func (w *nullWriter) Write(b []byte) (int, error)      { return len(b), nil }
func (w *nullWriter) WriteHeader(int)                  {}
func (w *nullWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *nullWriter) SetWriteDeadline(time.Time) error { return nil }

// BenchmarkTileWarmInProcess is the cached-tile path through the whole
// handler (middleware, router, cache) without the network: its cost per
// request and allocations, with the log line written as serve writes it
// (access) and through slog (slog), into nothing.
func BenchmarkTileWarmInProcess(b *testing.B) {
	st := benchWorkload(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, lg := range []struct {
		name   string
		access io.Writer
	}{{"access", io.Discard}, {"slog", nil}} {
		srv := web.New(web.Config{Store: st, Assets: assets.FS, TileCacheBytes: 256 << 20, Log: log, AccessLog: lg.access})
		for _, ts := range []string{"all", "points"} {
			b.Run(lg.name+"/"+ts, func(b *testing.B) {
				url := tileURL(ts, maptile.At(workload.Towns()[0].Center, 9))
				get(srv, url, "Accept-Encoding", "gzip")
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					srv.ServeHTTP(&nullWriter{h: http.Header{}}, req)
				}
			})
		}
	}
}
