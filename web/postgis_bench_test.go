package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/workload"
	"github.com/sitmap/sitmap/web"
)

// The PostGIS backend against the embedded store on the 222,000-feature
// workload, in process, one request at a time: import, /items?bbox=, cold
// z9 tiles through the handler, and the same tiles rendered by PostGIS
// itself (ST_AsMVT), which answers the question of where tiles
// should be rendered. Each op is a batch (benchSamples requests), so that
// make bench's -benchtime 1x gives meaningful percentiles.
//
// The test cluster (pgtest) runs with fsync=off and shared_buffers=128MB:
// its import times are a lower bound for a durable server, its query times
// about what a small server with the data in its page cache gives.

const benchSamples = 200

// latencies collects request times and reports rate and percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	b.Helper()
	if len(l) == 0 {
		return
	}
	s := append(latencies(nil), l...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	ms := func(q float64) float64 { return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / 1e6 }
	b.ReportMetric(float64(len(s))/sum.Seconds(), "req/s")
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the batch's time says nothing on its own
}

// importWorkload validates fs (as sitmap import does) and writes them in
// one Put into st, which gets the workload's collections first.
func importWorkload(b *testing.B, st store.Store, fs []*geo.Feature) (validate, put time.Duration) {
	b.Helper()
	ctx := context.Background()
	if _, err := workload.Load(ctx, st, nil); err != nil {
		b.Fatal(err)
	}
	cols := workload.ByID()
	runtime.GC()
	t0 := time.Now()
	if err := geo.ValidateAll(fs, func(f *geo.Feature) *geo.Collection { return cols[f.Collection()] }); err != nil {
		b.Fatal(err)
	}
	t1 := time.Now()
	if _, err := st.Put(ctx, fs, store.Upsert); err != nil {
		b.Fatal(err)
	}
	return t1.Sub(t0), time.Since(t1)
}

// bboxPaths are n /items requests of 0.5° boxes round the towns, limit 100.
func bboxPaths(n int) []string {
	r := rand.New(rand.NewPCG(11, 12))
	towns := workload.Towns()
	out := make([]string, n)
	for i := range out {
		t := towns[r.IntN(len(towns))]
		w := t.Center[0] - 0.25 + r.NormFloat64()*0.1
		s := t.Center[1] - 0.25 + r.NormFloat64()*0.1
		out[i] = fmt.Sprintf("/collections/points/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100", w, s, w+0.5, s+0.5)
	}
	return out
}

// benchItems serves the bbox requests one at a time, gzipped as clients
// ask, and reports requests/s and latency percentiles.
func benchItems(b *testing.B, srv http.Handler, paths []string) {
	get(srv, paths[0], "Accept-Encoding", "gzip") // warm-up
	var times latencies
	for i := 0; i < b.N; i++ {
		for _, p := range paths {
			t0 := time.Now()
			rec := get(srv, p, "Accept-Encoding", "gzip")
			times = append(times, time.Since(t0))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
			}
		}
	}
	times.report(b)
}

// coldTiles are benchSamples z9 tiles round the towns (repeating when
// there are fewer distinct ones: the handler's cache is off).
func coldTiles() []maptile.Tile {
	tiles := townTiles(9)
	out := make([]maptile.Tile, benchSamples)
	for i := range out {
		out[i] = tiles[i%len(tiles)]
	}
	return out
}

// benchTiles renders each tile through a handler with no tile cache. It
// asks for the tile without gzip, to report the size ST_AsMVT's compares
// with; the handler compresses every tile it renders all the same.
func benchTiles(b *testing.B, srv http.Handler, tileset string, tiles []maptile.Tile) {
	get(srv, tileURL(tileset, tiles[0])) // warm-up
	var times latencies
	var bytes int
	for i := 0; i < b.N; i++ {
		for _, t := range tiles {
			t0 := time.Now()
			rec := get(srv, tileURL(tileset, t))
			times = append(times, time.Since(t0))
			if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
				b.Fatalf("%v: %d %s", t, rec.Code, rec.Body)
			}
			bytes += rec.Body.Len()
		}
	}
	times.report(b)
	b.ReportMetric(float64(bytes)/float64(len(times))/1024, "raw-KB/tile")
}

// stAsMVTLayer renders one collection's layer of tile $1/$2/$3 in the
// database: the same extent (4096) and buffer (64) as geo.Render, and the
// properties geo.Render keeps below DetailZoom, but none of its point
// thinning, simplification or small-polygon dropping.
const stAsMVTLayer = `SELECT COALESCE(ST_AsMVT(q, %[1]s, 4096, 'geom'), ''::bytea) FROM (
	SELECT id, j->>'name' AS name, j->>'name_local' AS name_local, j->>'country' AS country,
		j->>'status' AS status, j->>'confidence' AS confidence, j->>'kind' AS kind,
		j->>'valid_from' AS valid_from, j->>'valid_to' AS valid_to,
		ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
	FROM features CROSS JOIN LATERAL (SELECT convert_from(props, 'UTF8')::jsonb AS j) l
	WHERE collection = %[1]s
	  AND geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0/4096), 4326)
) q WHERE geom IS NOT NULL`

// stAsMVTSQL is the query for a tile set: one layer, or for "all" the
// three layers' tiles concatenated (a tile is a sequence of layers).
func stAsMVTSQL(tileset string) string {
	if tileset != "all" {
		return fmt.Sprintf(stAsMVTLayer, "'"+tileset+"'")
	}
	q := "SELECT "
	for i, c := range workload.Collections() {
		if i > 0 {
			q += " || "
		}
		q += "(" + fmt.Sprintf(stAsMVTLayer, "'"+c.ID+"'") + ")"
	}
	return q
}

// stAsMVTThinned is the points layer with geo.Render's thinning done in
// SQL: one point per 8-pixel cell (128 extent units), the lowest id, with
// the count of those it stands for; points in the buffer are dropped. It
// makes about the tile the Go renderer makes from a dense layer.
const stAsMVTThinned = `WITH p AS (
	SELECT id, convert_from(props, 'UTF8')::jsonb AS j, ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS g
	FROM features
	WHERE collection = 'points' AND geom && ST_Transform(ST_TileEnvelope($1, $2, $3), 4326)
), c AS (
	SELECT DISTINCT ON (cx, cy) id, j, g, count(*) OVER (PARTITION BY cx, cy) AS n
	FROM (SELECT id, j, g, floor(ST_X(g) / 128) AS cx, floor(ST_Y(g) / 128) AS cy FROM p
		WHERE g IS NOT NULL AND ST_X(g) >= 0 AND ST_X(g) < 4096 AND ST_Y(g) >= 0 AND ST_Y(g) < 4096) s
	ORDER BY cx, cy, id
)
SELECT COALESCE(ST_AsMVT(q, 'points', 4096, 'geom'), ''::bytea) FROM (
	SELECT id, j->>'name' AS name, j->>'name_local' AS name_local, j->>'country' AS country,
		j->>'status' AS status, j->>'confidence' AS confidence, j->>'kind' AS kind,
		j->>'valid_from' AS valid_from, j->>'valid_to' AS valid_to, n AS count, g AS geom
	FROM c
) q`

// benchSTAsMVT renders the tiles with the query sql ($1, $2, $3 are z, x,
// y) through pgx, one at a time.
func benchSTAsMVT(b *testing.B, pool *pgxpool.Pool, sql string, tiles []maptile.Tile) {
	ctx := context.Background()
	var warm []byte // the first query plans; later ones reuse the plan
	if err := pool.QueryRow(ctx, sql, int(tiles[0].Z), int(tiles[0].X), int(tiles[0].Y)).Scan(&warm); err != nil {
		b.Fatal(err)
	}
	var times latencies
	var bytes int
	for i := 0; i < b.N; i++ {
		for _, t := range tiles {
			var data []byte
			t0 := time.Now()
			if err := pool.QueryRow(ctx, sql, int(t.Z), int(t.X), int(t.Y)).Scan(&data); err != nil {
				b.Fatalf("%v: %v", t, err)
			}
			times = append(times, time.Since(t0))
			bytes += len(data)
		}
	}
	times.report(b)
	b.ReportMetric(float64(bytes)/float64(len(times))/1024, "raw-KB/tile")
}

// benchFetch reads, one tile at a time, the rows a Go renderer needs (id,
// version, properties as stored, WKB) of the points in each tile's bound
// (with its buffer) in the plainest query: no count, no sort. It is the
// floor of fetch-and-render-in-Go on PostGIS, without the render.
func benchFetch(b *testing.B, pool *pgxpool.Pool, tiles []maptile.Tile) {
	ctx := context.Background()
	const sql = `SELECT id, version, props, ST_AsBinary(geom) FROM features
		WHERE collection = 'points' AND geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`
	var times latencies
	rows := 0
	for i := 0; i < b.N; i++ {
		for _, t := range tiles {
			bb := geo.TileBBox(t)
			t0 := time.Now()
			rs, err := pool.Query(ctx, sql, bb.West, bb.South, bb.East, bb.North)
			if err != nil {
				b.Fatal(err)
			}
			for rs.Next() {
				var id string
				var version int64
				var raw, g []byte
				if err := rs.Scan(&id, &version, &raw, &g); err != nil {
					b.Fatal(err)
				}
				rows++
			}
			if err := rs.Err(); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
	}
	times.report(b)
	b.ReportMetric(float64(rows)/float64(len(times)), "rows/tile")
}

// dbSize reports the database's size and the features table's (with its
// indexes and TOAST), in MB.
func dbSize(b *testing.B, pool *pgxpool.Pool) {
	var total, features int64
	if err := pool.QueryRow(context.Background(),
		"SELECT pg_database_size(current_database()), pg_total_relation_size('features')").Scan(&total, &features); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total)/1e6, "db-MB")
	b.ReportMetric(float64(features)/1e6, "features-MB")
}

// BenchmarkPostGISvsBunt: import, items bbox and cold z9 tiles on both
// backends, and z9 tiles from ST_AsMVT on the same database.
func BenchmarkPostGISvsBunt(b *testing.B) {
	all := workload.Generate(1)
	ctx := context.Background()
	dsn := pgtest.DSN(b) // dropped when the whole benchmark ends
	stores := map[string]store.Store{}
	open := func(backend string, fresh bool) store.Store {
		var st store.Store
		var err error
		switch backend {
		case "bunt":
			st, err = bunt.Open(filepath.Join(b.TempDir(), "sitmap.db"))
		case "postgis":
			d := dsn
			if fresh {
				d = pgtest.DSN(b)
			}
			st, err = postgis.Open(ctx, d)
		}
		if err != nil {
			b.Fatal(err)
		}
		return st
	}
	backends := []string{"bunt", "postgis"}
	for _, backend := range backends {
		b.Run("import/"+backend, func(b *testing.B) {
			var validate, put time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fs := all
				st := open(backend, stores[backend] != nil)
				b.StartTimer()
				v, p := importWorkload(b, st, fs)
				validate += v
				put += p
				if stores[backend] == nil {
					stores[backend] = st
				} else {
					st.Close()
				}
			}
			n := float64(b.N)
			b.ReportMetric((validate+put).Seconds()/n, "s/import")
			b.ReportMetric(validate.Seconds()/n, "s/validate")
			b.ReportMetric(put.Seconds()/n, "s/put")
			b.ReportMetric(float64(len(all))*n/(validate+put).Seconds(), "features/s")
		})
	}
	for _, backend := range backends {
		if stores[backend] == nil { // the import was filtered out
			st := open(backend, false)
			importWorkload(b, st, all)
			stores[backend] = st
		}
		defer stores[backend].Close()
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	b.Run("size/postgis", func(b *testing.B) { dbSize(b, pool) })

	paths := bboxPaths(benchSamples)
	tiles := coldTiles()
	for _, backend := range backends {
		srv := web.New(web.Config{Store: stores[backend], Assets: assets.FS, TileCacheBytes: 0, Log: quietLog()})
		defer srv.Close()
		b.Run("items-bbox/"+backend, func(b *testing.B) { benchItems(b, srv, paths) })
		for _, ts := range []string{"points", "all"} {
			b.Run("tile-z9-cold-"+ts+"/"+backend, func(b *testing.B) { benchTiles(b, srv, ts, tiles) })
		}
	}
	for _, ts := range []string{"points", "all"} {
		b.Run("tile-z9-"+ts+"/postgis-st_asmvt", func(b *testing.B) { benchSTAsMVT(b, pool, stAsMVTSQL(ts), tiles) })
	}
	b.Run("tile-z9-points-thinned/postgis-st_asmvt", func(b *testing.B) { benchSTAsMVT(b, pool, stAsMVTThinned, tiles) })
	b.Run("tile-z9-points-fetch-only/postgis-pgx", func(b *testing.B) { benchFetch(b, pool, tiles) })
}

// BenchmarkPostGISScale imports the workload at SITMAP_BENCH_SCALE (5 is
// 1.1 million features) into PostGIS and measures what the README's
// "running at scale" extrapolates from: import time, database size, items
// bbox and cold z9 tile latency. Skipped unless the variable is set: it
// takes minutes and gigabytes.
func BenchmarkPostGISScale(b *testing.B) {
	scale, err := strconv.ParseFloat(os.Getenv("SITMAP_BENCH_SCALE"), 64)
	if err != nil || scale <= 0 {
		b.Skip("set SITMAP_BENCH_SCALE (e.g. 5: 1.1 million features) to run")
	}
	ctx := context.Background()
	dsn := pgtest.DSN(b)
	st, err := postgis.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	fs := workload.Generate(scale)
	n := len(fs)
	b.Run(fmt.Sprintf("import-%dk", n/1000), func(b *testing.B) {
		if b.N > 1 {
			b.Skip("one import per run")
		}
		v, p := importWorkload(b, st, fs)
		b.ReportMetric((v + p).Seconds(), "s/import")
		b.ReportMetric(p.Seconds(), "s/put")
		b.ReportMetric(float64(n)/(v+p).Seconds(), "features/s")
	})
	fs = nil
	runtime.GC()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	b.Run("size", func(b *testing.B) { dbSize(b, pool) })
	srv := web.New(web.Config{Store: st, Assets: assets.FS, TileCacheBytes: 0, Log: quietLog()})
	defer srv.Close()
	paths := bboxPaths(benchSamples)
	b.Run("items-bbox", func(b *testing.B) { benchItems(b, srv, paths) })
	b.Run("tile-z9-cold-all", func(b *testing.B) { benchTiles(b, srv, "all", coldTiles()) })
	b.Run("tile-z9-points-fetch-only", func(b *testing.B) { benchFetch(b, pool, coldTiles()) })
	b.Run("tile-z9-points-thinned-st_asmvt", func(b *testing.B) { benchSTAsMVT(b, pool, stAsMVTThinned, coldTiles()) })
}
