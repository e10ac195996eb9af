package postgis_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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
	conn := connect(t, dsn)
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
		WHERE table_name = 'features' AND column_name IN ('raw', 'doc')`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("raw and doc should be gone: %d left (%v)", cols, err)
	}
}

// A database of schema version 13 (the whole GeoJSON in doc, free-text
// terms as text) opens at version 14: each feature served byte for byte as
// before, and equality filters answered as before, on the migrated rows
// and on copies written since, for values that trip hashing: a NUL (which
// keeps a row's terms exact), a value too long for a plain term, numbers
// as written.
func TestMigrateToCompact(t *testing.T) {
	dsn := pgtest.DSN(t)
	conn := connect(t, dsn)
	applyMigrations(t, conn, 13)
	if _, err := conn.Exec(ctx, `INSERT INTO collections (id, meta, version) VALUES ('c', '{"id":"c","title":"C"}', 7)`); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a long description ", 12)
	fs := map[string]*geo.Feature{
		"nul":   insertV13(t, conn, "nul", `["a\u0000","b"]`, long),
		"plain": insertV13(t, conn, "plain", `"b"`, long),
	}
	s := open(t, dsn)
	for id, f := range fs {
		got, err := s.Get(ctx, "c", id)
		if err != nil || got.JSON() != f.JSON() {
			t.Fatalf("after migrating: %v\n%s\nwant\n%s", err, got.JSON(), f.JSON())
		}
		if _, err := s.Put(ctx, []*geo.Feature{f.WithID(id + "-new")}, store.CreateOnly); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		k, v string
		want int
	}{
		{"name", "Old é", 4}, {"name", "Old", 0}, {"name_local", "b", 4}, {"name_local", "a\x00", 2}, {"name_local", "a", 0},
		{"description", long, 4}, {"description", long + "x", 0}, {"kind", "road", 4}, {"n", "1.50", 4}, {"n", "1.5", 0},
	} {
		p, err := s.Query(ctx, store.Query{Collection: "c", Limit: 10, Filter: geo.Filter{Props: map[string]string{c.k: c.v}}})
		if err != nil || p.Matched != c.want {
			t.Errorf("%s=%.20q: %d matched (%v), want %d", c.k, c.v, p.Matched, err, c.want)
		}
	}
	var cols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'features' AND column_name IN ('doc', 'terms_text')`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("doc and terms_text should be gone: %d left (%v)", cols, err)
	}
}

// insertV13 writes a feature as schema version 13 kept it, with the
// terms version 13 made, and returns it.
func insertV13(t *testing.T, conn *pgx.Conn, id, nameLocal, description string) *geo.Feature {
	t.Helper()
	g := orb.LineString{{27.5, 53.9}, {27.6, 54.0000000000001}}
	f, err := geo.NewFeature(id, g, map[string]json.RawMessage{
		"name": json.RawMessage(`"Old \u00e9"`), "name_local": json.RawMessage(nameLocal),
		"description": json.RawMessage(strconv.Quote(description)), "kind": json.RawMessage(`"road"`), "n": json.RawMessage(`1.50`),
	})
	if err != nil {
		t.Fatal(err)
	}
	f = f.WithCollection("c").WithVersion(7)
	gb, err := wkb.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	hashed := func(k, v string) string { // version 13's term for a value it could not keep as text
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h := sha256.Sum256([]byte(string(n[:]) + k + v))
		return "#" + hex.EncodeToString(h[:])
	}
	text := []string{"name\x1fOld é", "name_local\x1fb", hashed("description", description)}
	if strings.Contains(nameLocal, `\u0000`) {
		text = append(text, hashed("name_local", "a\x00"))
	}
	if _, err := conn.Exec(ctx, `INSERT INTO features (collection, id, version, geom, min_x, min_y, max_x, max_y, doc,
		terms, terms_text, name_lower, name_local_lower, updated)
		VALUES ('c', $1, 7, ST_GeomFromWKB($2, 4326), 27.5, 53.9, 27.6, 54.0000000000001, $3, $4, $5, 'old é', '', '')`,
		id, gb, f.AppendJSON(nil), []string{"kind\x1froad", "n\x1f1.50"}, text); err != nil {
		t.Fatal(err)
	}
	return f
}

// applyMigrations brings an empty database to schema version last, as
// that version's Open left it (the Go steps of afterMigration have no
// rows to fill).
func applyMigrations(t *testing.T, conn *pgx.Conn, last int) {
	t.Helper()
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
		applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		v, _ := strconv.Atoi(base[:4])
		if v > last {
			break
		}
		sql, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if _, err := conn.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", v, base); err != nil {
			t.Fatal(err)
		}
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
	conn := connect(t, dsn)
	execAll(t, conn,
		"DROP INDEX feature_versions_asof",
		"ALTER TABLE feature_versions DROP COLUMN superseded, DROP COLUMN min_x, DROP COLUMN min_y, DROP COLUMN max_x, DROP COLUMN max_y",
		"DELETE FROM schema_migrations WHERE version = 13",
	)
	s = open(t, dsn)
	p, err := s.Query(ctx, store.Query{Collection: "c", AsOf: now.Add(-time.Minute), Filter: geo.Filter{BBox: &geo.BBox{West: 9, South: 49, East: 11, North: 51}}})
	if err != nil || len(p.Features) != 1 || p.Features[0].String("status") != "active" {
		t.Fatalf("as of before the replace, after migrating: %v, %v; want p, active", p.Features, err)
	}
}

// A history written before schema version 15 (a doc in every version's
// row) drops the copies of the current versions, and reads as before.
func TestMigrateHistoryCurrent(t *testing.T) {
	dsn := pgtest.DSN(t)
	s := open(t, dsn)
	if err := s.PutCollection(ctx, geo.NewCollection("c")); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, feature("c", "p", orb.Point{10, 50}, "name", `"first"`), feature("c", "q", orb.Point{1, 1}))
	mustPut(t, s, feature("c", "p", orb.Point{20, 50}, "name", `"second"`))
	cur, err := s.Get(ctx, "c", "p")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn := connect(t, dsn)
	execAll(t, conn,
		"UPDATE feature_versions SET doc = '"+cur.JSON()+"', min_x = 20, min_y = 50, max_x = 20, max_y = 50 WHERE id = 'p' AND superseded IS NULL",
		"DELETE FROM schema_migrations WHERE version = 15",
	)
	s = open(t, dsn)
	var docs int
	if err := conn.QueryRow(ctx, "SELECT count(doc) FROM feature_versions").Scan(&docs); err != nil || docs != 1 {
		t.Errorf("%d docs kept (%v), want 1: p's first version", docs, err)
	}
	vs, err := s.Versions(ctx, "c", "p")
	if err != nil || len(vs) != 2 || vs[0].Feature.String("name") != "second" || vs[1].Feature.String("name") != "first" {
		t.Errorf("versions of p after migrating: %v (%v), want second, first", vs, err)
	}
}
