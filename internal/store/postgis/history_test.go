package postgis_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

// TestHistoryKeepsCurrentOnce: a current version's history row has no doc
// (its features row holds it), yet every version reads as written, before
// and after the writes that supersede it, whether it came from a bulk load
// or a small write, and whichever write supersedes it.
func TestHistoryKeepsCurrentOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := open(t, dsn, postgis.WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	fs := make([]*geo.Feature, 10000, 10001) // a bulk load
	for i := range fs {
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), orb.Point{float64(i%100) / 10, float64(i/100) / 10}, "name", strconv.Quote("bulk"))
	}
	fs[4] = fs[4].WithString("name", "early") // f00004 twice: the first is superseded at once
	fs = append(fs, feature("layer", "f00004", orb.Point{0.4, 0}, "name", `"bulk"`))
	if _, err := s.Put(store.WithEditor(ctx, "loader"), fs, store.Upsert); err != nil {
		t.Fatal(err)
	}
	loaded := clock
	mustPut(t, s, feature("layer", "small", orb.Point{1, 1}, "name", `"small"`))
	before := clock
	moved := feature("layer", "f00001", orb.Point{20, 20}, "name", `"replaced"`)
	if _, err := s.Replace(ctx, moved, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "layer", "f00002", 0); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, feature("layer", "f00003", orb.Point{1, 1}, "name", `"upserted"`), feature("layer", "small", orb.Point{2, 2}, "name", `"small 2"`))

	tests := []struct {
		id    string
		names []string // of the versions, newest first
	}{
		{"f00000", []string{"bulk"}},
		{"f00001", []string{"replaced", "bulk"}},
		{"f00002", []string{"bulk", "bulk"}}, // the deletion keeps the version it deleted
		{"f00003", []string{"upserted", "bulk"}},
		{"f00004", []string{"bulk", "early"}},
		{"small", []string{"small 2", "small"}},
	}
	for _, tt := range tests {
		vs, err := s.Versions(ctx, "layer", tt.id)
		if err != nil || len(vs) != len(tt.names) {
			t.Errorf("versions of %s: %d (%v), want %d", tt.id, len(vs), err, len(tt.names))
			continue
		}
		for i, v := range vs {
			if v.Feature == nil || v.Feature.String("name") != tt.names[i] {
				t.Errorf("%s version %d: %v, want name %q", tt.id, v.Version, v.Feature, tt.names[i])
			}
		}
	}
	if vs, err := s.Versions(ctx, "layer", "f00000"); err != nil || len(vs) != 1 || vs[0].Editor != "loader" || !vs[0].Time.Equal(loaded) ||
		vs[0].Seq != 1 || vs[0].Change != store.Created {
		t.Errorf("the bulk load's version of f00000: %+v (%v), want one, seq 1, created by loader at %v", vs, err, loaded)
	}
	// as of before the replace, f00001 is where the bulk load put it
	box := geo.BBox{West: 0.05, South: 0, East: 0.15, North: 0.05}
	p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &box}, AsOf: before})
	if err != nil || len(p.Features) != 1 || p.Features[0].ID() != "f00001" || p.Features[0].String("name") != "bulk" {
		t.Errorf("as of before the replace: %v (%v), want f00001 named bulk", p.Features, err)
	}
	cs, err := s.Changes(ctx, store.ChangesQuery{After: 10001})
	if err != nil || len(cs) != 5 || cs[0].Feature.String("name") != "small" || cs[4].Feature.String("name") != "small 2" {
		t.Errorf("changes after the bulk load: %v (%v), want the 5 writes with their features", cs, err)
	}

	conn := connect(t, dsn)
	var bare, missing int
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE doc IS NULL AND superseded IS NULL AND change <> 'deleted'),
		count(*) FILTER (WHERE doc IS NULL AND change = 'deleted' OR (doc IS NULL OR min_x IS NULL) AND superseded IS NOT NULL)
		FROM feature_versions`).Scan(&bare, &missing); err != nil {
		t.Fatal(err)
	}
	if bare != 10000 || missing != 0 {
		t.Errorf("%d current versions without a doc, %d superseded ones; want 10000 and 0", bare, missing)
	}
}

// TestBulkLoadRows: the rows a bulk load writes (binary COPY, encoded in
// copybin.go) are those small writes make of the same features, column
// for column.
func TestBulkLoadRows(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 891011121, time.UTC)
	fs := make([]*geo.Feature, 10000)
	for i := range fs {
		props := []string{"name", strconv.Quote(fmt.Sprintf("Nr %d Ünïcode", i))}
		switch i % 4 {
		case 0:
			props = append(props, "valid_from", `"1999-12-31T23:59:59.123456789Z"`, "valid_to", `"2030-01-01T00:00:00Z"`)
		case 1:
			props = append(props, "valid_from", `"1066-10-14T09:00:00Z"`, "name_local", `"Ło"`)
		case 2:
			props = append(props, "tags", `["a", 1, true]`, "note", `"x\u0000y"`)
		case 3: // stamped before, as an import does
			props = append(props, "updated", `"2026-01-02T03:04:05.5Z"`, "status", strconv.Quote(fmt.Sprint("s", i%5)))
		}
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), bulkGeometry(i), props...)
	}
	dump := func(bulk bool) string {
		dsn := pgtest.DSN(t)
		s := open(t, dsn, postgis.WithClock(func() time.Time { return at }))
		if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
			t.Fatal(err)
		}
		step := len(fs)
		if !bulk {
			step = 500
		}
		for i := 0; i < len(fs); i += step {
			if _, err := s.Put(ctx, fs[i:i+step], store.Upsert); err != nil {
				t.Fatal(err)
			}
		}
		conn := connect(t, dsn)
		var out string
		err := conn.QueryRow(ctx, `SELECT string_agg(r::text, E'\n' ORDER BY r.id) FROM (SELECT collection, id, version,
			ST_AsEWKT(geom), min_x, min_y, max_x, max_y, props, ARRAY(SELECT d.term FROM unnest(terms) c JOIN sitmap_terms d ON d.code = c ORDER BY 1),
			text_terms, name_lower, name_local_lower, updated, valid_from, valid_from_ns, valid_to, valid_to_ns FROM features) r`).Scan(&out)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	bulk, small := dump(true), dump(false)
	if bulk != small {
		b, s := strings.Split(bulk, "\n"), strings.Split(small, "\n")
		for i := range min(len(b), len(s)) {
			if b[i] != s[i] {
				t.Fatalf("row %d after a bulk load:\n%s\nafter small writes:\n%s", i, b[i], s[i])
			}
		}
		t.Fatalf("%d rows after a bulk load, %d after small writes", len(b), len(s))
	}
}

// bulkGeometry is the i-th geometry of TestBulkLoadRows: points, and
// every type a bulk load writes in place among them.
func bulkGeometry(i int) orb.Geometry {
	switch {
	case i%7 == 0:
		return orb.LineString{{1, 2}, {3.5, -4}, {float64(i) / 1000, 0}}
	case i%11 == 0:
		return orb.Polygon{{{0, 0}, {1, 0}, {1, float64(i) / 10000}, {0, 0}}}
	case i%13 == 0:
		return orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{2, 2}, {3, 2}, {3, 3}, {2, 2}}}}
	case i%17 == 0:
		return orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}
	case i%19 == 0:
		return orb.MultiPoint{{1, 2}, {float64(i) / 1000, 3}}
	}
	return orb.Point{float64(i%100) - 50.5, float64(i/100) - 45.25}
}

// TestBulkLoadKilled: a bulk load whose connection is killed in the middle
// of its COPY of the rows (while the history is in, the rows' encoding
// runs ahead and the notifications are made) returns an error and leaves
// nothing: no features, history, changes or new collection; the indexes
// it dropped are back, so the next bulk load works.
func TestBulkLoadKilled(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	fs := make([]*geo.Feature, 60000)
	for i := range fs {
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), orb.Point{float64(i%300) / 10, float64(i/300) / 10}, "name", strconv.Quote(fmt.Sprintf("n%d", i)))
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Put(ctx, fs, store.Upsert, geo.NewCollection("layer"))
		done <- err
	}()
	conn := connect(t, dsn)
	for killed := false; !killed; {
		select {
		case err := <-done:
			t.Fatalf("the load ended (%v) before its COPY of the rows could be killed", err)
		case <-time.After(2 * time.Millisecond):
		}
		err := conn.QueryRow(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'COPY features %' AND state = 'active'`).Scan(&killed)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
	}
	if err := <-done; err == nil {
		t.Fatal("Put of the killed load returned no error")
	}
	var features, versions, collections int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM features), (SELECT count(*) FROM feature_versions),
		(SELECT count(*) FROM collections)`).Scan(&features, &versions, &collections); err != nil {
		t.Fatal(err)
	}
	if features != 0 || versions != 0 || collections != 0 {
		t.Fatalf("after the killed load: %d features, %d versions, %d collections; want none", features, versions, collections)
	}
	if cs, err := s.Changes(ctx, store.ChangesQuery{}); err != nil || len(cs) != 0 {
		t.Fatalf("changes after the killed load: %d (%v), want none", len(cs), err)
	}
	stored, err := s.Put(ctx, fs, store.Upsert, geo.NewCollection("layer"))
	if err != nil || len(stored) != len(fs) {
		t.Fatalf("the load again: %d features, %v", len(stored), err)
	}
	p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &geo.BBox{West: 1, South: 1, East: 1.05, North: 1.05}}, Limit: 10})
	if err != nil || len(p.Features) != 1 {
		t.Fatalf("a bbox query after the load again: %d features, %v; want 1", len(p.Features), err)
	}
}

// TestStatisticsAfterBulkLoad: a bulk load has the planner's statistics
// refreshed without waiting for them; they arrive even when the store is
// closed (and its process could end) at once.
func TestStatisticsAfterBulkLoad(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, err := postgis.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	fs := make([]*geo.Feature, 10000)
	for i := range fs {
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), bulkGeometry(i), "name", `"x"`)
	}
	if _, err := s.Put(ctx, fs, store.Upsert, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, dsn)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stats WHERE (tablename, attname) IN
			(('features', 'geom'), ('features', 'terms'), ('feature_versions', 'collection'))`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 columns have statistics 30 s after the load", n)
		}
	}
}
