package web_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/workload"
	"github.com/sitmap/sitmap/web"
)

// BenchmarkItemsAsOf is /items?bbox=&as_of= on a quarter of the workload
// (55,500 features; SITMAP_ASOF_SCALE=1 for all 222,000) written three
// times an hour apart (3 versions per feature), as of the first, second
// and third write, against the same boxes without as_of; on the embedded
// store and on PostGIS.
func BenchmarkItemsAsOf(b *testing.B) {
	for _, backend := range []string{"bunt", "postgis"} {
		b.Run(backend, func(b *testing.B) {
			srv := asOfServer(b, backend)
			for _, tc := range []struct{ name, asOf string }{
				{"now", ""}, {"first", "2026-01-01T00:30:00Z"}, {"second", "2026-01-01T01:30:00Z"}, {"third", "2026-01-01T02:30:00Z"},
			} {
				paths := bboxPaths(benchSamples)
				if tc.asOf != "" {
					// Fewer: before the as_of index one took seconds.
					paths = paths[:asOfSamples]
					for i := range paths {
						paths[i] += "&as_of=" + tc.asOf
					}
				}
				b.Run(tc.name, func(b *testing.B) { benchItems(b, srv, paths) })
			}
		})
	}
}

const asOfSamples = 40

// asOfServer serves the workload's quarter, written at 00:00, 01:00 and
// 02:00 on 1 Jan 2026.
func asOfServer(b *testing.B, backend string) *web.Server {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var st store.Store
	var err error
	if backend == "postgis" {
		st, err = postgis.Open(ctx, pgtest.DSN(b), postgis.WithClock(clock))
	} else {
		st, err = bunt.Open(filepath.Join(b.TempDir(), "sitmap.db"), bunt.WithClock(clock))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	scale := 0.25
	if v, err := strconv.ParseFloat(os.Getenv("SITMAP_ASOF_SCALE"), 64); err == nil && v > 0 {
		scale = v
	}
	fs := workload.Generate(scale)
	for range 3 {
		if _, err := st.Put(ctx, fs, store.Upsert, workload.Collections()...); err != nil {
			b.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	srv := web.New(web.Config{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	b.Cleanup(func() { srv.Close() })
	return srv
}
