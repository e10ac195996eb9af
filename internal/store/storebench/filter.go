package storebench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/workload"
)

// samples are the durations of one kind of query, wall and thread CPU.
type samples struct{ wall, cpu []time.Duration }

// FilterVsEquality: a 0.5° bbox query with limit 100 on the points of s
// (which holds the workload), filtered by a two-term CQL2 filter and by
// the same two Part 1 equality parameters, alternating query by query so
// that both see the same machine; one op is QueriesPerOp pairs, and the
// CPU times are the query thread's. Goal: the CQL2 median at most 1.5×
// the equality median.
func FilterVsEquality(b *testing.B, s store.Store, o Options) {
	filter, err := cql2.ParseText("country = 'PL' AND status = 'active'")
	if err != nil {
		b.Fatal(err)
	}
	props := map[string]string{"country": "PL", "status": "active"}
	var eq, cq samples
	eachBox(b, func(i int, bb *geo.BBox) {
		qe := store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: bb, Props: props}, Limit: 100}
		qc := store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: bb}, CQL: filter, Limit: 100}
		// Which runs first alternates: the second finds the box's
		// features in the CPU caches.
		if i%2 == 0 {
			queryPair(b, s, qc, qe, &cq, &eq, o)
		} else {
			queryPair(b, s, qe, qc, &eq, &cq, o)
		}
	})
	reportRatio(b, eq.wall, cq.wall, "")
	if len(eq.cpu) > 0 {
		reportRatio(b, eq.cpu, cq.cpu, "cpu-")
	}
}

// queryPair runs first then second, which must match the same number of
// features, and adds their times to fs and ss.
func queryPair(b *testing.B, s store.Store, first, second store.Query, fs, ss *samples, o Options) {
	ctx := context.Background()
	c0, _ := threadCPU()
	t0 := time.Now()
	p1, err := s.Query(ctx, first)
	t1 := time.Now()
	c1, _ := threadCPU()
	p2, err2 := s.Query(ctx, second)
	t2 := time.Now()
	c2, okCPU := threadCPU()
	if err != nil || err2 != nil {
		b.Fatal(err, err2)
	}
	if p1.Matched != p2.Matched {
		b.Fatalf("box %v: matched %d and %d", first.Filter.BBox, p1.Matched, p2.Matched)
	}
	fs.wall, ss.wall = append(fs.wall, t1.Sub(t0)), append(ss.wall, t2.Sub(t1))
	if okCPU && o.InProcess {
		fs.cpu, ss.cpu = append(fs.cpu, c1-c0), append(ss.cpu, c2-c1)
	}
}

// reportRatio reports the equality and CQL2 medians and their ratio; for
// wall time (kind "") also the CQL2 p99. kind "cpu-" names the thread-CPU
// figures µs-cpu-equality-median, µs-cpu-cql2-median, cpu-cql2/equality.
func reportRatio(b *testing.B, eq, cq []time.Duration, kind string) {
	slices.Sort(eq)
	slices.Sort(cq)
	me, mc := eq[len(eq)/2], cq[len(cq)/2]
	b.ReportMetric(float64(me.Microseconds()), "µs-"+kind+"equality-median")
	b.ReportMetric(float64(mc.Microseconds()), "µs-"+kind+"cql2-median")
	if kind == "" {
		b.ReportMetric(float64(cq[len(cq)*99/100].Microseconds()), "µs-cql2-p99")
	}
	b.ReportMetric(float64(mc)/float64(me), kind+"cql2/equality")
}
