package bunt_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store/bunt"
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
