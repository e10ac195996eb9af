package postgis_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/workload"
)

// The same benchmarks as the embedded store's (internal/store/bunt), on
// the same workload, so the figures compare.

var (
	workloadOnce sync.Once
	workloadFS   []*geo.Feature
)

func fullWorkload() []*geo.Feature {
	workloadOnce.Do(func() { workloadFS = workload.Generate(1) })
	return workloadFS
}

func openWorkloadStore(b *testing.B) *postgis.Store {
	b.Helper()
	s := open(b, pgtest.DSN(b))
	if _, err := workload.Load(context.Background(), s, nil); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkImport is `sitmap import` of the full workload into an empty
// database: validate every feature, then one Put (one transaction).
// Goal: under 10 s.
func BenchmarkImport(b *testing.B) {
	all := fullWorkload()
	cols := workload.ByID()
	ctx := context.Background()
	var validate, put time.Duration
	for b.Loop() {
		b.StopTimer()
		fs := all
		s := openWorkloadStore(b)
		runtime.GC()
		b.StartTimer()

		t0 := time.Now()
		if err := geo.ValidateAll(fs, func(f *geo.Feature) *geo.Collection { return cols[f.Collection()] }); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
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
}

// randomBoxes are 0.5° boxes centred near the towns, where the data is
// (the same boxes as the embedded store's benchmark).
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

// loadWorkload imports the full workload once for the sub-benchmarks of b.
func loadWorkload(b *testing.B) *postgis.Store {
	s := openWorkloadStore(b)
	if _, err := s.Put(context.Background(), fullWorkload(), store.Upsert); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkBBoxQuery is /items?bbox= with a 0.5° box and limit 100, one
// query at a time: latency.
func BenchmarkBBoxQuery(b *testing.B) {
	s := loadWorkload(b)
	for _, cid := range []string{workload.PointsID, workload.PolygonsID, workload.LinesID} {
		b.Run(cid, func(b *testing.B) {
			boxes := randomBoxes(1024)
			ctx := context.Background()
			times := make([]time.Duration, 0, 1<<16)
			matched := 0
			i := 0
			for b.Loop() {
				bb := boxes[i%len(boxes)]
				i++
				t0 := time.Now()
				p, err := s.Query(ctx, store.Query{Collection: cid, Filter: geo.Filter{BBox: &bb}, Limit: 100})
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				matched += p.Matched
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "µs-median")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "µs-p99")
			b.ReportMetric(float64(matched)/float64(len(times)), "matched/op")
		})
	}
	// Throughput with 16 queries in flight (the wrk -c16 of DESIGN.md).
	b.Run("points-parallel16", func(b *testing.B) {
		boxes := randomBoxes(1024)
		ctx := context.Background()
		var i atomic.Int64
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				bb := boxes[i.Add(1)%int64(len(boxes))]
				if _, err := s.Query(ctx, store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: &bb}, Limit: 100}); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "queries/s")
	})
}
