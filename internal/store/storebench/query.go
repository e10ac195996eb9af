package storebench

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/workload"
)

// BBoxQuery is /items?bbox= with a 0.5° box and limit 100, one
// sub-benchmark per collection of the workload, which s holds. Goal:
// median under 0.5 ms on points (the biggest collection).
func BBoxQuery(b *testing.B, s store.Store, o Options) {
	for _, cid := range []string{workload.PointsID, workload.PolygonsID, workload.LinesID} {
		b.Run(cid, func(b *testing.B) { BBox(b, s, cid, o) })
	}
}

// BBox is BBoxQuery on one collection: one op is QueriesPerOp queries, one
// at a time (latency). Reports µs-median, µs-p99 and matched/query, and
// the thread's CPU time per query (µs-cpu-median, µs-cpu-p99) for an
// in-process store.
func BBox(b *testing.B, s store.Store, cid string, o Options) {
	ctx := context.Background()
	var times, cpu []time.Duration
	matched := 0
	eachBox(b, func(_ int, bb *geo.BBox) {
		c0, _ := threadCPU()
		t0 := time.Now()
		p, err := s.Query(ctx, store.Query{Collection: cid, Filter: geo.Filter{BBox: bb}, Limit: 100})
		times = append(times, time.Since(t0))
		if c1, ok := threadCPU(); ok && o.InProcess {
			cpu = append(cpu, c1-c0)
		}
		if err != nil {
			b.Fatal(err)
		}
		matched += p.Matched
	})
	reportQuantiles(b, times, "µs")
	if len(cpu) > 0 {
		reportQuantiles(b, cpu, "µs-cpu")
	}
	b.ReportMetric(float64(matched)/float64(len(times)), "matched/query")
}

// eachBox is the loop of the one-at-a-time benchmarks: an op is
// QueriesPerOp calls of query, each with the next of the same 1,024 boxes
// (i counts from 1), on a goroutine locked to its thread so that the
// thread's CPU time is the query's.
func eachBox(b *testing.B, query func(i int, bb *geo.BBox)) {
	boxes := Boxes(1024)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	i := 0
	for b.Loop() {
		for range QueriesPerOp {
			bb := boxes[i%len(boxes)]
			i++
			query(i, &bb)
		}
	}
}

// reportQuantiles reports the median and 99th percentile of ds (sorted
// in place) as prefix-median and prefix-p99, in microseconds.
func reportQuantiles(b *testing.B, ds []time.Duration, prefix string) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), prefix+"-median")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), prefix+"-p99")
}

// BBoxParallel is BBox on points with 16 queries in flight (the wrk -c16
// of DESIGN.md): throughput, as queries/s.
func BBoxParallel(b *testing.B, s store.Store) {
	boxes := Boxes(1024)
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
}
