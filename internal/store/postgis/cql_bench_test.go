package postgis_test

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

// BenchmarkFilterVsEquality: a 0.5° bbox query with limit 100 on the
// points, filtered by a two-term CQL2 filter and by the same two Part 1
// equality parameters, alternating query by query so that both see the
// same machine. Goal: the CQL2 median at most 1.5× the equality median.
func BenchmarkFilterVsEquality(b *testing.B) {
	s := loadWorkload(b)
	filter, err := cql2.ParseText("country = 'PL' AND status = 'active'")
	if err != nil {
		b.Fatal(err)
	}
	props := map[string]string{"country": "PL", "status": "active"}
	boxes := randomBoxes(1024)
	ctx := context.Background()
	var eq, cq []time.Duration
	i := 0
	for b.Loop() {
		for range 100 { // a batch per op, as the bunt benchmark
			bb := boxes[i%len(boxes)]
			i++
			// Which runs first alternates: the second finds the box's
			// features in the CPU caches.
			qe := store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: &bb, Props: props}, Limit: 100}
			qc := store.Query{Collection: workload.PointsID, Filter: geo.Filter{BBox: &bb}, CQL: filter, Limit: 100}
			first, second := qe, qc
			if i%2 == 0 {
				first, second = qc, qe
			}
			t0 := time.Now()
			p1, err := s.Query(ctx, first)
			t1 := time.Now()
			p2, err2 := s.Query(ctx, second)
			t2 := time.Now()
			if err != nil || err2 != nil {
				b.Fatal(err, err2)
			}
			if p1.Matched != p2.Matched {
				b.Fatalf("box %v: matched %d and %d", bb, p1.Matched, p2.Matched)
			}
			de, dc := t1.Sub(t0), t2.Sub(t1)
			if i%2 == 0 {
				de, dc = dc, de
			}
			eq, cq = append(eq, de), append(cq, dc)
		}
	}
	reportRatio(b, eq, cq)
}

func reportRatio(b *testing.B, eq, cq []time.Duration) {
	slices.Sort(eq)
	slices.Sort(cq)
	me, mc := eq[len(eq)/2], cq[len(cq)/2]
	b.ReportMetric(float64(me.Microseconds()), "µs-equality-median")
	b.ReportMetric(float64(mc.Microseconds()), "µs-cql2-median")
	b.ReportMetric(float64(cq[len(cq)*99/100].Microseconds()), "µs-cql2-p99")
	b.ReportMetric(float64(mc)/float64(me), "cql2/equality")
}
