package postgis_test

import (
	"fmt"
	"strconv"
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
	fs := make([]*geo.Feature, 10000) // a bulk load
	for i := range fs {
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), orb.Point{float64(i%100) / 10, float64(i/100) / 10}, "name", strconv.Quote("bulk"))
	}
	if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
		t.Fatal(err)
	}
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
	// as of before the replace, f00001 is where the bulk load put it
	box := geo.BBox{West: 0.05, South: 0, East: 0.15, North: 0.05}
	p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &box}, AsOf: before})
	if err != nil || len(p.Features) != 1 || p.Features[0].ID() != "f00001" || p.Features[0].String("name") != "bulk" {
		t.Errorf("as of before the replace: %v (%v), want f00001 named bulk", p.Features, err)
	}
	cs, err := s.Changes(ctx, store.ChangesQuery{After: 10000})
	if err != nil || len(cs) != 5 || cs[0].Feature.String("name") != "small" || cs[4].Feature.String("name") != "small 2" {
		t.Errorf("changes after the bulk load: %v (%v), want the 5 writes with their features", cs, err)
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
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
