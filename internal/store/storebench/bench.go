package storebench

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/workload"
)

// Options say what a backend's figures may include.
type Options struct {
	// InProcess: the store does its work in this process (bunt), so the
	// CPU time of the query's thread or of the import's process is what
	// the work cost even when other processes share the cores. For a
	// store behind a socket (PostGIS) it would count only the client's
	// share, so it is not reported.
	InProcess bool
}

// The workload is generated once per test binary: generation is not what
// the benchmarks measure.
var (
	workloadOnce sync.Once
	workloadFS   []*geo.Feature
)

// Workload is the full workload (scale 1), generated once per binary and
// shared: callers must not change it.
func Workload() []*geo.Feature {
	workloadOnce.Do(func() { workloadFS = workload.Generate(1) })
	return workloadFS
}

// Load creates the workload's collections in s and writes fs (which may
// be nil: collections only) in one Put, as an import does.
func Load(tb testing.TB, s store.Store, fs []*geo.Feature) {
	tb.Helper()
	if _, err := workload.Load(context.Background(), s, fs); err != nil {
		tb.Fatal(err)
	}
}

// Boxes are n 0.5° boxes centred near the towns, where the data is; the
// same n gives the same boxes, on every backend.
func Boxes(n int) []geo.BBox {
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

// QueriesPerOp makes one benchmark op a batch of queries, so that even
// `make bench` (-benchtime 1x) measures a median over many boxes.
const QueriesPerOp = 500

// Import is `sitmap import` of the full workload into a fresh, empty
// store that open gives (it closes it): validate every feature, then one
// Put (one transaction). Goal: under 10 s. Reports s/import, s/validate,
// s/put and features/s, and s-cpu/import for an in-process store.
func Import(b *testing.B, open func(testing.TB) store.Store, o Options) {
	all := Workload()
	cols := workload.ByID()
	ctx := context.Background()
	var validate, put, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		Load(b, s, nil)
		runtime.GC()
		b.StartTimer()

		c0, _ := processCPU()
		t0 := time.Now()
		if err := geo.ValidateAll(all, func(f *geo.Feature) *geo.Collection { return cols[f.Collection()] }); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := s.Put(ctx, all, store.Upsert); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		c1, _ := processCPU()
		cpu += c1 - c0
		validate += t1.Sub(t0)
		put += t2.Sub(t1)

		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric((validate+put).Seconds()/n, "s/import")
	b.ReportMetric(validate.Seconds()/n, "s/validate")
	b.ReportMetric(put.Seconds()/n, "s/put")
	b.ReportMetric(float64(len(all))/((validate+put).Seconds()/n), "features/s")
	if o.InProcess && cpu > 0 {
		// CPU seconds (all threads) tell what the import costs when
		// other processes share the machine and stretch the wall time.
		b.ReportMetric(cpu.Seconds()/n, "s-cpu/import")
	}
}
