package postgis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/postgis"
	"github.com/sitmap/sitmap/internal/store/postgis/pgtest"
	"github.com/sitmap/sitmap/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var ctx = context.Background()

// open opens a store on dsn and closes it when the test ends.
func open(t testing.TB, dsn string, opts ...postgis.Option) *postgis.Store {
	t.Helper()
	s, err := postgis.Open(ctx, dsn, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now store.Clock) store.Store {
		return open(t, pgtest.DSN(t), postgis.WithClock(now))
	})
}

func TestContractReopen(t *testing.T) {
	dsns := map[*testing.T]string{}
	storetest.RunReopen(t, func(t *testing.T, now store.Clock) store.Store {
		dsns[t] = pgtest.DSN(t)
		return open(t, dsns[t], postgis.WithClock(now))
	}, func(t *testing.T, s store.Store) store.Store {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return open(t, dsns[t])
	})
}

// feature is the contract's valid feature, for these tests too.
var feature = storetest.Feature

// connect is a plain connection to dsn, for what a test reads or does to
// the database behind the store's back; it closes when the test ends.
func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// execAll runs each statement on conn, failing the test at the first error.
func execAll(t testing.TB, conn *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

func mustPut(t testing.TB, s store.Store, fs ...*geo.Feature) {
	t.Helper()
	if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
		t.Fatalf("Put: %v", err)
	}
}

// next waits for a change on ch.
func next(t *testing.T, ch <-chan store.Change, within time.Duration) store.Change {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return c
	case <-time.After(within):
		t.Fatalf("no change within %v", within)
	}
	return store.Change{}
}

// replicas are two Stores on one fresh database that holds the
// collection "layer".
func replicas(t *testing.T) (*postgis.Store, *postgis.Store) {
	t.Helper()
	dsn := pgtest.DSN(t)
	a, b := open(t, dsn), open(t, dsn)
	if err := a.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// seqOf reads sub, failing the test if its Seq ever goes back, and
// sends the Seq of the change to the feature id.
func seqOf(t *testing.T, sub <-chan store.Change, id string) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var seq int64
		for c := range sub {
			if c.Seq <= seq {
				t.Errorf("Seq %d after %d", c.Seq, seq)
			}
			seq = c.Seq
			if c.ID == id {
				out <- c.Seq
				return
			}
		}
	}()
	return out
}

// TestTwoReplicas: two Stores on one database see each other's writes at
// once, and each one's subscribers get the other's changes.
func TestTwoReplicas(t *testing.T) {
	a, b := replicas(t)
	subA, subB := a.Subscribe(t.Context()), b.Subscribe(t.Context())

	mustPut(t, a, feature("layer", "from-a", orb.Point{27.5, 53.9}))
	f, err := b.Get(ctx, "layer", "from-a")
	if err != nil {
		t.Fatalf("B does not see A's write: %v", err)
	}
	if va, _ := a.Version(ctx, "layer"); f.Version() != va {
		t.Errorf("B sees version %d, A says %d", f.Version(), va)
	}
	for name, ch := range map[string]<-chan store.Change{"A": subA, "B": subB} {
		c := next(t, ch, 5*time.Second)
		if c.Type != store.Created || c.ID != "from-a" || c.Version != f.Version() {
			t.Errorf("%s got %+v, want the creation of from-a at version %d", name, c, f.Version())
		}
	}

	if _, err := b.Replace(ctx, feature("layer", "from-a", orb.Point{28, 54}), f.Version()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Replace(ctx, feature("layer", "from-a", orb.Point{29, 55}), f.Version()); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("A replacing with the version B replaced: %v, want ErrVersionMismatch", err)
	}
	p, err := a.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &geo.BBox{West: 27.9, South: 53.9, East: 28.1, North: 54.1}}})
	if err != nil || p.Matched != 1 {
		t.Errorf("A's bbox query after B's replace: %d matched (%v), want 1", p.Matched, err)
	}
	for name, ch := range map[string]<-chan store.Change{"A": subA, "B": subB} {
		c := next(t, ch, 5*time.Second)
		if c.Type != store.Replaced || c.ID != "from-a" {
			t.Errorf("%s got %+v, want the replace of from-a", name, c)
		}
	}
	ca, _ := a.Collection(ctx, "layer")
	cb, _ := b.Collection(ctx, "layer")
	if ca.Version != cb.Version || ca.Bound != cb.Bound || ca.Count != 1 {
		t.Errorf("A says %+v, B says %+v", ca, cb)
	}
}

// TestConcurrentWriters: writers on two Stores never lose a write and Seq
// numbers are unique.
func TestConcurrentWriters(t *testing.T) {
	a, b := replicas(t)
	sub := a.Subscribe(t.Context())
	const n = 20
	var wg sync.WaitGroup
	for i, s := range []*postgis.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				if _, err := s.Put(ctx, []*geo.Feature{feature("layer", fmt.Sprintf("w%d-%d", i, j), orb.Point{1, 1})}, store.CreateOnly); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	c, err := a.Collection(ctx, "layer")
	if err != nil || c.Count != 4*n || c.Version != 4*n {
		t.Errorf("after %d writes: count %d version %d (%v)", 4*n, c.Count, c.Version, err)
	}
	seen := map[int64]bool{}
	last := int64(0)
	for range 4 * n {
		ch := next(t, sub, 5*time.Second)
		if seen[ch.Seq] {
			t.Errorf("Seq %d twice", ch.Seq)
		}
		seen[ch.Seq] = true
		last = max(last, ch.Seq)
	}
	if last != 4*n {
		t.Errorf("last Seq %d, want %d", last, 4*n)
	}
}

// TestDatabaseRestart: with the database down Ping fails; once it is back,
// Ping succeeds and subscriptions carry new changes, with no reopening —
// including changes made while this Store's LISTEN connection was down.
func TestDatabaseRestart(t *testing.T) {
	s, other := replicas(t)
	sub := s.Subscribe(t.Context())

	pgtest.Stop(t)
	stopped := true
	defer func() {
		if stopped {
			pgtest.Start(t)
		}
	}()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping succeeds with the database stopped")
	}
	if _, err := s.Get(ctx, "layer", "x"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get with the database stopped: %v, want a connection error", err)
	}
	pgtest.Start(t)
	stopped = false

	deadline := time.Now().Add(15 * time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("Ping still fails 15 s after the restart: %v", s.Ping(ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Another replica writes at once; the change reaches s by the change
	// log or by NOTIFY, whichever the reconnection sees.
	var err error
	for range 50 {
		if _, err = other.Put(ctx, []*geo.Feature{feature("layer", "after", orb.Point{1, 1})}, store.Upsert); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("Put after the restart: %v", err)
	}
	if c := next(t, sub, 15*time.Second); c.ID != "after" {
		t.Errorf("first change after the restart: %+v", c)
	}
	// And later changes come by NOTIFY.
	mustPut(t, other, feature("layer", "later", orb.Point{1, 1}))
	if c := next(t, sub, 15*time.Second); c.ID != "later" {
		t.Errorf("second change after the restart: %+v", c)
	}
	mustPut(t, s, feature("layer", "own", orb.Point{1, 1}))
	if c := next(t, sub, 5*time.Second); c.ID != "own" {
		t.Errorf("own change after the restart: %+v", c)
	}
}

// TestMigrationsIdempotent: opening a migrated database again, or several
// at once, changes nothing and keeps the data.
func TestMigrationsIdempotent(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgis.Open(ctx, dsn)
			if err != nil {
				t.Errorf("concurrent Open: %v", err)
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	s := open(t, dsn)
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, feature("layer", "a", orb.Point{1, 1}))
	s.Close()
	s = open(t, dsn)
	if f, err := s.Get(ctx, "layer", "a"); err != nil || f.Version() != 1 {
		t.Fatalf("after reopening: %v %v", f, err)
	}
}

// TestRoundTrip: coordinates, properties and times come back exactly.
func TestRoundTrip(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	geoms := map[string]orb.Geometry{
		"pt":   orb.Point{27.580712345678901, 53.774412345678901},
		"tiny": orb.Point{5e-324, -1.0000000000000002},
		"mpt":  orb.MultiPoint{{0.1, 0.2}, {0.30000000000000004, 89.99999999999999}},
		"ln":   orb.LineString{{1.0 / 3, 2.0 / 3}, {179.99999999999997, -89.99999999999997}},
		"mln":  orb.MultiLineString{{{1, 1}, {2, 2}}, {{3, 3}, {4.000000000000001, 4}}},
		"pg":   orb.Polygon{{{0, 0}, {1e-9, 0}, {1e-9, 1e-9}, {0, 0}}, {{1e-10, 1e-11}, {2e-10, 1e-11}, {2e-10, 2e-11}, {1e-10, 1e-11}}},
		"mpg":  orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{2, 2}, {3, 2}, {3, 3.1}, {2, 2}}}},
	}
	var fs []*geo.Feature
	for id, g := range geoms {
		fs = append(fs, feature("layer", id, g,
			"nul", `"a\u0000b"`, "big", `12345678901234567890`, "valid_to", `"2025-09-16"`,
			"name", `"Ünïcödé NAME"`))
	}
	mustPut(t, s, fs...)
	for id, g := range geoms {
		f, err := s.Get(ctx, "layer", id)
		if err != nil {
			t.Fatal(err)
		}
		if !orb.Equal(f.Geometry(), g) {
			t.Errorf("%s: geometry %v, want %v", id, f.Geometry(), g)
		}
		nul, _ := f.Property("nul")
		big, _ := f.Property("big")
		if string(nul) != `"a\u0000b"` || string(big) != `12345678901234567890` {
			t.Errorf("%s: properties %s %s", id, nul, big)
		}
	}
	c, err := s.Collection(ctx, "layer")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 9, 16, 23, 59, 59, 999999999, time.UTC); !c.Time.End.Equal(want) {
		t.Errorf("extent ends %v, want %v (nanoseconds kept)", c.Time.End, want)
	}
	// Equality on a value jsonb could not hold, and sorting by a name
	// PostgreSQL's collation would order differently.
	p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{Props: map[string]string{"nul": "a\x00b"}, Text: "ünï"}})
	if err != nil || p.Matched != len(geoms) {
		t.Errorf("filter on a NUL value: %d matched (%v), want %d", p.Matched, err, len(geoms))
	}
	// An instant one nanosecond after the end of valid_to misses.
	after := time.Date(2025, 9, 17, 0, 0, 0, 0, time.UTC)
	p, err = s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{Time: geo.Interval{Start: after.Add(-time.Nanosecond), End: after}}})
	if err != nil || p.Matched != len(geoms) {
		t.Errorf("datetime at the last nanosecond: %d matched (%v), want %d", p.Matched, err, len(geoms))
	}
	p, err = s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{Time: geo.Interval{Start: after, End: after}}})
	if err != nil || p.Matched != 0 {
		t.Errorf("datetime just after valid_to: %d matched (%v), want 0", p.Matched, err)
	}
}

func TestSortIsBytewise(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"a": `"b"`, "b": `"B2"`, "c": `"_x"`, "d": `"é"`, "e": `"z"`, "f": `"Ä"`, "g": `"a b"`, "h": `"ab"`}
	var fs []*geo.Feature
	for id, n := range names {
		fs = append(fs, feature("layer", id, orb.Point{1, 1}, "name", n))
	}
	mustPut(t, s, fs...)
	p, err := s.Query(ctx, store.Query{Collection: "layer", Sort: []store.Sort{{Property: "name"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(p.Features))
	for i, f := range p.Features {
		got[i] = f.ID()
	}
	want := slices.Clone(got)
	key := func(id string) string {
		var n string
		_ = json.Unmarshal([]byte(names[id]), &n)
		return strings.ToLower(n)
	}
	slices.SortFunc(want, func(x, y string) int {
		if c := strings.Compare(key(x), key(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	if !slices.Equal(got, want) {
		t.Errorf("sorted by name: %v, want %v (Go's order)", got, want)
	}
}

// TestLargeBatch: batches big enough to go through COPY create, replace
// and notify like small ones.
// The bulk load (the first large import) leaves the schema, of the
// features and of their history, as the migrations made it.
func TestBulkLoadKeepsIndexes(t *testing.T) {
	indexes := func(dsn string) string {
		conn := connect(t, dsn)
		rows, err := conn.Query(ctx, "SELECT indexdef FROM pg_indexes WHERE tablename IN ('features', 'feature_versions') ORDER BY indexname")
		if err != nil {
			t.Fatal(err)
		}
		defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(defs, "\n")
	}
	fresh, loaded := pgtest.DSN(t), pgtest.DSN(t)
	open(t, fresh)
	s := open(t, loaded)
	if err := s.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	fs := make([]*geo.Feature, 10000)
	for i := range fs {
		fs[i] = feature("layer", fmt.Sprintf("f%05d", i), orb.Point{float64(i%100) / 10, float64(i/100) / 10})
	}
	if _, err := s.Put(ctx, fs, store.Upsert); err != nil {
		t.Fatal(err)
	}
	if a, b := indexes(fresh), indexes(loaded); a != b || !strings.Contains(a, "features_geom") || !strings.Contains(a, "feature_versions_asof") {
		t.Errorf("indexes after the bulk load:\n%s\nwant\n%s", b, a)
	}
}

func TestLargeBatch(t *testing.T) {
	s, other := replicas(t)
	// The subscriber may miss changes it is too slow for (the store drops
	// them rather than block), but what it gets is in order, and it keeps
	// up afterwards: the change after the big batches arrives.
	lastSeq := seqOf(t, other.Subscribe(t.Context()), "last")
	const n = 12000 // the first batch is a bulk load into the empty table
	batch := func(name string) []*geo.Feature {
		fs := make([]*geo.Feature, n)
		for i := range fs {
			fs[i] = feature("layer", fmt.Sprintf("f%05d", i), orb.Point{float64(i) / 1000, 1}, "name", strconv.Quote(name), "list", `["a", 1.50, true, null, {"x": 1}]`)
		}
		return fs
	}
	if _, err := s.Put(ctx, batch("first"), store.CreateOnly); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, batch("second"), store.CreateOnly); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateOnly of existing ids: %v, want ErrConflict", err)
	}
	second := batch("second")
	second = append(second, second[0].WithString("name", "third")) // an id twice: the last one wins
	if _, err := s.Put(ctx, second, store.Upsert); err != nil {
		t.Fatal(err)
	}
	c, err := s.Collection(ctx, "layer")
	if err != nil || c.Count != n || c.Version != 2*n+1 {
		t.Fatalf("count %d version %d (%v), want %d and %d", c.Count, c.Version, err, n, 2*n+1)
	}
	f, err := s.Get(ctx, "layer", "f00000")
	if err != nil || f.String("name") != "third" || f.Version() != 2*n+1 {
		t.Errorf("f00000: %q version %d (%v)", f.String("name"), f.Version(), err)
	}
	vs, err := s.Versions(ctx, "layer", "f00000") // the first one COPYed with the bulk load
	if err != nil || len(vs) != 3 || vs[2].Change != store.Created || vs[2].Feature.String("name") != "first" || vs[2].Version != 1 {
		t.Errorf("versions of f00000: %v (%v), want 3, the first created with name first", vs, err)
	}
	box := geo.BBox{West: 0.5, South: 0, East: 1.5, North: 2}
	if p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{BBox: &box}, Limit: 5}); err != nil || p.Matched != 1001 || len(p.Features) != 5 || p.Features[0].ID() != "f00500" {
		t.Errorf("bbox after the bulk load: %d matched (%v), want 1001 from f00500", p.Matched, err)
	}
	p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{Props: map[string]string{"list": "1.50", "name": "second"}, Text: "SEC"}, Limit: 10})
	if err != nil || p.Matched != n-1 || len(p.Features) != 10 {
		t.Errorf("props query: %d matched, %d returned (%v), want %d and 10", p.Matched, len(p.Features), err, n-1)
	}
	for _, v := range []string{"a", "true", "1.50"} {
		if p, err := s.Query(ctx, store.Query{Collection: "layer", Filter: geo.Filter{Props: map[string]string{"list": v}}}); err != nil || p.Matched != n {
			t.Errorf("list=%s: %d matched (%v), want %d", v, p.Matched, err, n)
		}
	}
	mustPut(t, s, feature("layer", "last", orb.Point{1, 1}))
	select {
	case seq := <-lastSeq:
		if seq != 2*n+2 {
			t.Errorf("last change has Seq %d, want %d", seq, 2*n+2)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the change after the big batches did not arrive")
	}
}
