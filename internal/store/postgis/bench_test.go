package postgis_test

import (
	"testing"

	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/store/storebench"
)

// The embedded store's benchmarks (internal/store/storebench), on the same
// workload and boxes, so the figures compare. PostgreSQL works in another
// process: only wall times are reported.
var bench = storebench.Options{}

// openEmpty opens a store on a fresh, empty database.
func openEmpty(tb testing.TB) store.Store { return open(tb, pgtest.DSN(tb)) }

// BenchmarkImport is `sitmap import` of the full workload into an empty
// database: validate every feature, then one Put (one transaction).
func BenchmarkImport(b *testing.B) { storebench.Import(b, openEmpty, bench) }

// loadWorkload imports the full workload once for the sub-benchmarks of b.
func loadWorkload(b *testing.B) *postgis.Store {
	s := open(b, pgtest.DSN(b))
	storebench.Load(b, s, storebench.Workload())
	return s
}

// BenchmarkBBoxQuery is /items?bbox= with a 0.5° box and limit 100 on each
// collection, one query at a time (latency), then on points with 16 in
// flight (throughput).
func BenchmarkBBoxQuery(b *testing.B) {
	s := loadWorkload(b)
	storebench.BBoxQuery(b, s, bench)
	b.Run("points-parallel16", func(b *testing.B) { storebench.BBoxParallel(b, s) })
}

// BenchmarkFilterVsEquality is storebench.FilterVsEquality on a database
// holding the workload.
func BenchmarkFilterVsEquality(b *testing.B) {
	storebench.FilterVsEquality(b, loadWorkload(b), bench)
}
