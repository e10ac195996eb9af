package bunt_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/workload"
)

// BenchmarkReplace is one PUT's store write on a file store holding the
// seed (fsynced like every write): with history, the write also keeps its
// version. Reports the median and 99th percentile of the writes.
func BenchmarkReplace(b *testing.B) {
	ctx := context.Background()
	s, err := bunt.Open(filepath.Join(b.TempDir(), "sitmap.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := dataset.LoadSeed(ctx, s, assets.FS); err != nil {
		b.Fatal(err)
	}
	f, err := s.Get(ctx, "airfields", "airfield-machulishchy")
	if err != nil {
		b.Fatal(err)
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g, _ := f.WithGeometry(orb.Point{28 + float64(i%100)/1000, 53.8})
		start := time.Now()
		if _, err := s.Replace(ctx, g, 0); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkQueryAsOf is a page of points in a town-sized box as of a
// time, on a quarter of the workload written three times (3 versions per
// feature), against the same query now. Reports median and 99th
// percentile per query.
func BenchmarkQueryAsOf(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := bunt.Open(filepath.Join(b.TempDir(), "sitmap.db"), bunt.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fs := workload.Generate(0.25)
	for i := range 3 {
		if _, err := s.Put(ctx, fs, store.Upsert, workload.Collections()...); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			now = now.Add(time.Hour)
		}
		now = now.Add(time.Hour)
	}
	c := workload.Towns()[0].Center
	box := geo.BBox{West: c[0] - 0.1, South: c[1] - 0.1, East: c[0] + 0.1, North: c[1] + 0.1}
	for _, tc := range []struct {
		name string
		asOf time.Time
	}{{"now", time.Time{}}, {"as_of", time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC)}} {
		b.Run(tc.name, func(b *testing.B) {
			took := make([]time.Duration, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				p, err := s.Query(ctx, store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: &box}, Limit: 100, AsOf: tc.asOf})
				if err != nil || p.Matched == 0 {
					b.Fatalf("%v, %d matched", err, p.Matched)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// BenchmarkOpenWithHistory is opening a file that holds a quarter of the
// workload written three times (3 versions per feature): what the history
// and its as_of index add to a start.
func BenchmarkOpenWithHistory(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "sitmap.db")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := bunt.Open(path, bunt.WithClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	fs := workload.Generate(0.25)
	for range 3 {
		if _, err := s.Put(ctx, fs, store.Upsert, workload.Collections()...); err != nil {
			b.Fatal(err)
		}
		now = now.Add(time.Hour)
	}
	s.Close()
	b.ResetTimer()
	for b.Loop() {
		s, err := bunt.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}
