package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
	"github.com/sitmap/sitmap/web"
)

var (
	itemsWorkloadOnce sync.Once
	itemsWorkloadSrv  *web.Server
)

// workloadServer serves the 222,000-feature workload from an in-memory
// store, loaded once for all benchmarks.
func itemsWorkload(b *testing.B) *web.Server {
	b.Helper()
	itemsWorkloadOnce.Do(func() {
		st, err := bunt.Open(":memory:")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := workload.Load(ctx, st, workload.Generate(1)); err != nil {
			b.Fatal(err)
		}
		itemsWorkloadSrv = web.New(web.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	})
	return itemsWorkloadSrv
}

// BenchmarkItemsBBox is the handler's share of the load benchmark
// (cmd/sitmap BenchmarkLoadItemsBBox): 0.5° boxes round towns, limit=100,
// gzip, in process.
func BenchmarkItemsBBox(b *testing.B) {
	srv := itemsWorkload(b)
	r := rand.New(rand.NewPCG(1, 2))
	towns := workload.Towns()
	paths := make([]string, 512)
	for i := range paths {
		t := towns[r.IntN(len(towns))]
		w := t.Center[0] - 0.25 + r.Float64()*0.2 - 0.1
		s := t.Center[1] - 0.25 + r.Float64()*0.2 - 0.1
		paths[i] = fmt.Sprintf("/collections/points/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", w, s, w+0.5, s+0.5)
	}
	if f := os.Getenv("SITMAP_DUMP_ITEMS"); f != "" {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", paths[0], nil))
		_ = os.WriteFile(f, rec.Body.Bytes(), 0o644)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			req := httptest.NewRequest("GET", paths[i%len(paths)], nil)
			if os.Getenv("SITMAP_BENCH_GZIP") != "" {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d", paths[i%len(paths)], rec.Code)
			}
			i++
		}
	})
}
