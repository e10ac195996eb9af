package postgis_test

import (
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
)

// A database of schema version 1 (properties in raw and props) opens with
// every feature served as before, from one copy: doc, filled by Open.
func TestMigrateFromVersion1(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	v1, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	g, err := wkb.Marshal(orb.LineString{{27.5, 53.9}, {27.6, 54.0000000000001}})
	if err != nil {
		t.Fatal(err)
	}
	setup := []string{
		string(v1),
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`,
		`INSERT INTO schema_migrations (version, name) VALUES (1, '0001_init.sql')`,
		`INSERT INTO collections (id, meta, version) VALUES ('c', '{"id":"c","title":"C"}', 7)`,
	}
	for _, sql := range setup {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%.40s: %v", sql, err)
		}
	}
	raw := `{"big":12345678901234567890,"name":"<b>Old</b>","updated":"2024-01-02T03:04:05Z"}`
	if _, err := conn.Exec(ctx, `INSERT INTO features (collection, id, version, geom, min_x, min_y, max_x, max_y,
		raw, props, terms, terms_text, name_lower, name_local_lower, updated)
		VALUES ('c', 'old', 7, ST_GeomFromWKB($1, 4326), 27.5, 53.9, 27.6, 54.0000000000001, $2, $3::jsonb,
		'{}', '{}', 'old', '', '2024-01-02T03:04:05.000000000')`, g, []byte(raw), raw); err != nil {
		t.Fatal(err)
	}
	s := open(t, dsn)
	f, err := s.Get(ctx, "c", "old")
	if err != nil {
		t.Fatal(err)
	}
	enc := f.AppendJSON(nil)
	want := `{"type":"Feature","id":"old","geometry":{"type":"LineString","coordinates":[[27.5,53.9],[27.6,54.0000000000001]]},` +
		`"properties":{"big":12345678901234567890,"name":"<b>Old</b>","updated":"2024-01-02T03:04:05Z"}}`
	if string(enc) != want || f.Version() != 7 {
		t.Fatalf("after migrating: version %d\n%s\nwant\n%s", f.Version(), enc, want)
	}
	p, err := s.Query(ctx, store.Query{Collection: "c", Limit: 10})
	if err != nil || p.Matched != 1 {
		t.Fatalf("query after migrating: %v %v", p, err)
	}
	var cols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'features' AND column_name IN ('raw', 'props')`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("raw and props should be gone: %d left (%v)", cols, err)
	}
}

// A history written before schema version 13 (no superseded times, no
// bounds) is indexed by the migration: as_of finds the superseded version.
func TestMigrateHistoryAsOf(t *testing.T) {
	dsn := pgtest.DSN(t)
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	s := open(t, dsn, postgis.WithClock(func() time.Time { return now }))
	if err := s.PutCollection(ctx, geo.NewCollection("c")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, []*geo.Feature{feature("c", "p", orb.Point{10, 50})}, store.CreateOnly); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Replace(ctx, feature("c", "p", orb.Point{20, 50}, "status", `"inactive"`), 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"DROP INDEX feature_versions_asof",
		"ALTER TABLE feature_versions DROP COLUMN superseded, DROP COLUMN min_x, DROP COLUMN min_y, DROP COLUMN max_x, DROP COLUMN max_y",
		"DELETE FROM schema_migrations WHERE version = 13",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	s = open(t, dsn)
	p, err := s.Query(ctx, store.Query{Collection: "c", AsOf: now.Add(-time.Minute), Filter: geo.Filter{BBox: &geo.BBox{West: 9, South: 49, East: 11, North: 51}}})
	if err != nil || len(p.Features) != 1 || p.Features[0].String("status") != "active" {
		t.Fatalf("as of before the replace, after migrating: %v, %v; want p, active", p.Features, err)
	}
}
