package storetest

// The contract's writes: Put, Replace and Delete, all or nothing, and what they stamp.

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// checkVersionList: a store's cheap list of versions, when it has one,
// says what Collections says, in the same order.
func checkVersionList(t *testing.T, s store.Store, when string) {
	t.Helper()
	vl, ok := s.(store.VersionLister)
	if !ok {
		return
	}
	cols, err := s.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := vl.CollectionVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]store.CollectionVersion, len(cols))
	for i, c := range cols {
		want[i] = store.CollectionVersion{ID: c.ID, Version: c.Version}
	}
	if !slices.Equal(got, want) {
		t.Errorf("after %s CollectionVersions() = %v, Collections() says %v", when, got, want)
	}
}

func testVersionGrows(t *testing.T, h harness) {
	s := setup(t, h.open)
	last := mustVersion(t, s, places)
	step := func(what string, write func() error) {
		t.Helper()
		if err := write(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		v := mustVersion(t, s, places)
		if v <= last {
			t.Errorf("after %s the version is %d, was %d: it must grow", what, v, last)
		}
		c, err := s.Collection(ctx, places)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version != v {
			t.Errorf("after %s Collection().Version = %d but Version() = %d", what, c.Version, v)
		}
		checkVersionList(t, s, what)
		last = v
	}
	step("create", func() error {
		_, err := s.Put(ctx, []*geo.Feature{feature(places, "a", orb.Point{1, 1})}, store.CreateOnly)
		return err
	})
	step("upsert", func() error {
		_, err := s.Put(ctx, []*geo.Feature{feature(places, "a", orb.Point{1, 2})}, store.Upsert)
		return err
	})
	step("batch", func() error {
		_, err := s.Put(ctx, []*geo.Feature{feature(places, "b", orb.Point{1, 1}), feature(places, "c", orb.Point{1, 1})}, store.Upsert)
		return err
	})
	step("replace", func() error { _, err := s.Replace(ctx, feature(places, "a", orb.Point{2, 2}), 0); return err })
	step("delete", func() error { return s.Delete(ctx, places, "b", 0) })

	// Feature versions grow too, and Get reports them.
	v1 := mustGet(t, s, places, "a").Version()
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{3, 3}), v1); err != nil {
		t.Fatal(err)
	}
	if v2 := mustGet(t, s, places, "a").Version(); v2 <= v1 {
		t.Errorf("feature version %d after a replace, was %d", v2, v1)
	}
}

func testPutAllOrNothing(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "existing", orb.Point{1, 1}),
		feature(other, "o1", orb.Point{1, 1}),
	)
	tests := []struct {
		name  string
		mode  store.PutMode
		batch []*geo.Feature
		want  error
	}{
		{"create hits an existing id", store.CreateOnly, []*geo.Feature{
			feature(places, "new-1", orb.Point{2, 2}),
			feature(other, "o2", orb.Point{2, 2}),
			feature(places, "existing", orb.Point{3, 3}),
			feature(places, "new-2", orb.Point{2, 2}),
		}, store.ErrConflict},
		{"create repeats an id", store.CreateOnly, []*geo.Feature{
			feature(places, "twice", orb.Point{2, 2}),
			feature(places, "twice", orb.Point{3, 3}),
		}, store.ErrConflict},
		{"unknown collection", store.Upsert, []*geo.Feature{
			feature(places, "new-1", orb.Point{2, 2}),
			feature(places, "existing", orb.Point{3, 3}),
			feature("no-such-collection", "x", orb.Point{2, 2}),
		}, store.ErrNotFound},
		{"unknown collection on create", store.CreateOnly, []*geo.Feature{
			feature(other, "o3", orb.Point{2, 2}),
			feature("no-such-collection", "x", orb.Point{2, 2}),
		}, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, s)
			_, err := s.Put(ctx, tt.batch, tt.mode)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Put: %v, want %v", err, tt.want)
			}
			before.diff(t, snapshot(t, s))
			if f := mustGet(t, s, places, "existing"); !orb.Equal(f.Geometry(), orb.Point{1, 1}) {
				t.Errorf("existing feature changed to %v", f.Geometry())
			}
		})
	}
}

func testPutUpsert(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}, "mode", `"road"`), feature(places, "b", orb.Point{1, 1}))
	v := mustGet(t, s, places, "a").Version()
	mustPut(t, s, store.Upsert, feature(places, "a", orb.Point{2, 2}, "name", `"Renamed"`), feature(places, "c", orb.Point{3, 3}))
	f := mustGet(t, s, places, "a")
	if !orb.Equal(f.Geometry(), orb.Point{2, 2}) || f.String("name") != "Renamed" {
		t.Errorf("after upsert: %v %q, want the new geometry and name", f.Geometry(), f.String("name"))
	}
	if f.Has("mode") {
		t.Errorf("upsert merged properties; it must replace the feature")
	}
	if f.Version() <= v {
		t.Errorf("version %d after upsert, was %d", f.Version(), v)
	}
	c, err := s.Collection(ctx, places)
	if err != nil || c.Count != 3 {
		t.Errorf("Count %d (%v), want 3", c.Count, err)
	}
	// The old position no longer matches a bbox query.
	p := mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: box(1.5, 1.5, 2.5, 2.5)}})
	if got := ids(p.Features); !slices.Equal(got, []string{"a"}) {
		t.Errorf("bbox at the new position: %v, want [a]", got)
	}
	p = mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: box(0.5, 0.5, 1.5, 1.5)}})
	if got := ids(p.Features); !slices.Equal(got, []string{"b"}) {
		t.Errorf("bbox at the old position: %v, want [b]", got)
	}
}

// Features without an id get distinct ids, in what Put returns, in what
// Get and Query serve (the encoded body) and in the change feed.
func testPutAssignsIDs(t *testing.T, h harness) {
	s := setup(t, h.open)
	in := []*geo.Feature{feature(places, "", orb.Point{1, 1}), feature(places, "", orb.Point{2, 2}), feature(places, "", orb.Point{3, 3})}
	out := mustPut(t, s, store.CreateOnly, in...)
	seen := map[string]bool{}
	for i, f := range out {
		if !geo.ValidID(f.ID()) || seen[f.ID()] {
			t.Fatalf("assigned ids %v: want distinct valid ids", ids(out))
		}
		seen[f.ID()] = true
		if in[i].ID() != "" {
			t.Errorf("Put changed the caller's feature %d: id %q", i, in[i].ID())
		}
		checkServed(t, f, mustGet(t, s, places, f.ID()), in[i].Geometry())
	}
	p := mustQuery(t, s, store.Query{Collection: places})
	if p.Matched != len(in) {
		t.Fatalf("%d features stored, want %d", p.Matched, len(in))
	}
	for _, f := range p.Features {
		checkServed(t, f, f, f.Geometry())
	}
}

// checkServed checks that a served feature carries its id in its body.
func checkServed(t *testing.T, put, got *geo.Feature, g orb.Geometry) {
	t.Helper()
	if got.ID() != put.ID() || !orb.Equal(got.Geometry(), g) {
		t.Errorf("Get(%s): id %q geometry %v, want %v", put.ID(), got.ID(), got.Geometry(), g)
	}
	var body struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(got.JSON()), &body); err != nil || body.ID != put.ID() {
		t.Errorf("served body of %s has id %q (%v): %s", put.ID(), body.ID, err, got.JSON())
	}
}

// Writes never change what callers hand them, succeed or fail.
func testPutLeavesCallersFeatures(t *testing.T, h harness) {
	s := setup(t, h.open)
	type look struct {
		id, json string
		version  int64
	}
	lookAt := func(fs []*geo.Feature) []look {
		out := make([]look, len(fs))
		for i, f := range fs {
			out[i] = look{f.ID(), f.JSON(), f.Version()}
		}
		return out
	}
	ok := []*geo.Feature{feature(places, "", orb.Point{1, 1}), feature(places, "a", orb.Point{2, 2})}
	bad := []*geo.Feature{feature(places, "", orb.Point{1, 1}), feature(places, "b", orb.Point{2, 2}), feature("no-such-collection", "c", orb.Point{1, 1})}
	for _, batch := range [][]*geo.Feature{ok, bad} {
		before := lookAt(batch)
		_, _ = s.Put(ctx, batch, store.Upsert)
		if after := lookAt(batch); !slices.Equal(before, after) {
			t.Errorf("Put changed its arguments:\n%+v\nnow\n%+v", before, after)
		}
	}
	f := feature(places, "a", orb.Point{5, 5})
	before := f.JSON()
	stored, err := s.Replace(ctx, f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.JSON() != before || f.Version() != 0 || stored.Version() == 0 || !stored.Has("updated") {
		t.Errorf("Replace: caller's feature %s v%d; stored v%d", f.JSON(), f.Version(), stored.Version())
	}
}

// Collections a Put creates exist only if the Put succeeds.
func testPutCreatesCollections(t *testing.T, h harness) {
	s := setup(t, h.open)
	fresh := geo.NewCollection("fresh")
	before := snapshot(t, s)
	_, err := s.Put(ctx, []*geo.Feature{feature("fresh", "a", orb.Point{1, 1}), feature("no-such-collection", "b", orb.Point{1, 1})}, store.Upsert, fresh)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Put into an unknown collection: %v, want ErrNotFound", err)
	}
	if _, err := s.Collection(ctx, "fresh"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed Put left its new collection behind: %v", err)
	}
	before.diff(t, snapshot(t, s))
	out, err := s.Put(ctx, []*geo.Feature{feature("fresh", "a", orb.Point{1, 1})}, store.Upsert, fresh, placesCollection())
	if err != nil {
		t.Fatalf("Put with a new collection: %v", err)
	}
	c, err := s.Collection(ctx, "fresh")
	if err != nil || c.Count != 1 || out[0].Collection() != "fresh" {
		t.Fatalf("after Put: collection %+v (%v)", c, err)
	}
	// An existing collection among the ones to create stays as it was.
	if c, err := s.Collection(ctx, places); err != nil || c.Title != placesCollection().Title || c.Count != 0 {
		t.Errorf("places after a Put that named it to create: %+v (%v)", c, err)
	}
}

// testBadCollectionID: a collection whose id is not a valid id is refused
// with geo.ErrInvalid, by PutCollection and by a Put that would create it,
// and nothing changes.
func testBadCollectionID(t *testing.T, h harness) {
	s := setup(t, h.open)
	before := snapshot(t, s)
	bad := geo.NewCollection("no/slash")
	if err := s.PutCollection(ctx, bad); !errors.Is(err, geo.ErrInvalid) {
		t.Errorf("PutCollection(%q): %v, want ErrInvalid", bad.ID, err)
	}
	if _, err := s.Put(ctx, []*geo.Feature{feature(places, "a", orb.Point{1, 1})}, store.Upsert, bad); !errors.Is(err, geo.ErrInvalid) {
		t.Errorf("Put creating %q: %v, want ErrInvalid", bad.ID, err)
	}
	before.diff(t, snapshot(t, s))
	if cs, err := s.Collections(ctx); err != nil || len(cs) != 2 {
		t.Errorf("collections after the refusals: %d (%v), want 2", len(cs), err)
	}
}

func testPutSetsUpdated(t *testing.T, h harness) {
	s := setup(t, h.open)
	check := func(what, id string, want time.Time) {
		t.Helper()
		f := mustGet(t, s, places, id)
		u, err := time.Parse(time.RFC3339Nano, f.String("updated"))
		if err != nil {
			t.Fatalf("%s: updated %q is not RFC 3339: %v", what, f.String("updated"), err)
		}
		if !u.Equal(want) {
			t.Errorf("%s: updated %v, want the time of the write %v", what, u, want)
		}
	}
	t1 := h.clock.Now()
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}), feature(places, "c", orb.Point{1, 1}))
	check("put", "a", t1)
	check("put", "c", t1)
	h.clock.Advance(1500 * time.Microsecond)
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{2, 2}), 0); err != nil {
		t.Fatal(err)
	}
	check("replace", "a", t1.Add(1500*time.Microsecond))
	check("the other feature", "c", t1)

	// A time the caller set is kept (an import restoring an export).
	const restored = "2025-09-12T10:00:00Z"
	mustPut(t, s, store.Upsert, feature(places, "b", orb.Point{1, 1}, "updated", quote(restored)))
	if got := mustGet(t, s, places, "b").String("updated"); got != restored {
		t.Errorf("updated %q after a Put that set it, want %q kept", got, restored)
	}
}

func testReplace(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}))
	v1 := mustGet(t, s, places, "a").Version()

	// The right version.
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{2, 2}), v1); err != nil {
		t.Fatalf("Replace with the current version: %v", err)
	}
	f := mustGet(t, s, places, "a")
	v2 := f.Version()
	if !orb.Equal(f.Geometry(), orb.Point{2, 2}) || v2 <= v1 {
		t.Errorf("after Replace: %v version %d (was %d)", f.Geometry(), v2, v1)
	}

	// A stale version changes nothing.
	before := snapshot(t, s)
	_, err := s.Replace(ctx, feature(places, "a", orb.Point{3, 3}), v1)
	if !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("Replace with a stale version: %v, want ErrVersionMismatch", err)
	}
	before.diff(t, snapshot(t, s))
	if f := mustGet(t, s, places, "a"); !orb.Equal(f.Geometry(), orb.Point{2, 2}) {
		t.Errorf("a failed Replace changed the geometry to %v", f.Geometry())
	}

	// Version 0 is unconditional.
	if _, err := s.Replace(ctx, feature(places, "a", orb.Point{4, 4}), 0); err != nil {
		t.Fatalf("Replace with version 0: %v", err)
	}
	if f := mustGet(t, s, places, "a"); !orb.Equal(f.Geometry(), orb.Point{4, 4}) || f.Version() <= v2 {
		t.Errorf("after Replace(0): %v version %d", f.Geometry(), f.Version())
	}

	// Unknown feature or collection.
	before = snapshot(t, s)
	for _, f := range []*geo.Feature{
		feature(places, "nope", orb.Point{1, 1}),
		feature("no-such-collection", "a", orb.Point{1, 1}),
	} {
		for _, v := range []int64{0, v1} {
			if _, err := s.Replace(ctx, f, v); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Replace(%s/%s, %d): %v, want ErrNotFound", f.Collection(), f.ID(), v, err)
			}
		}
	}
	before.diff(t, snapshot(t, s))
	if _, err := s.Get(ctx, places, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Replace created a feature: %v", err)
	}
}

func testDelete(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "a", orb.Point{1, 1}), feature(places, "b", orb.Point{1, 1}), feature(places, "c", orb.Point{1, 1}))
	va := mustGet(t, s, places, "a").Version()

	// A stale version changes nothing.
	mustPut(t, s, store.Upsert, feature(places, "a", orb.Point{1, 1}))
	before := snapshot(t, s)
	if err := s.Delete(ctx, places, "a", va); !errors.Is(err, store.ErrVersionMismatch) {
		t.Errorf("Delete with a stale version: %v, want ErrVersionMismatch", err)
	}
	before.diff(t, snapshot(t, s))

	// The right version, then version 0.
	if err := s.Delete(ctx, places, "a", mustGet(t, s, places, "a").Version()); err != nil {
		t.Fatalf("Delete with the current version: %v", err)
	}
	if err := s.Delete(ctx, places, "b", 0); err != nil {
		t.Fatalf("Delete with version 0: %v", err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := s.Get(ctx, places, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%s) after Delete: %v, want ErrNotFound", id, err)
		}
	}
	p := mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: box(0, 0, 2, 2)}})
	if got := ids(p.Features); !slices.Equal(got, []string{"c"}) || p.Matched != 1 {
		t.Errorf("bbox after deletes: %v (matched %d), want [c]", got, p.Matched)
	}
	if c, err := s.Collection(ctx, places); err != nil || c.Count != 1 {
		t.Errorf("Count after deletes %d (%v), want 1", c.Count, err)
	}

	// Unknown feature or collection; a deleted id may be created again.
	before = snapshot(t, s)
	for _, tc := range []struct{ cid, id string }{{places, "a"}, {places, "nope"}, {"no-such-collection", "c"}} {
		if err := s.Delete(ctx, tc.cid, tc.id, 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delete(%s, %s): %v, want ErrNotFound", tc.cid, tc.id, err)
		}
	}
	before.diff(t, snapshot(t, s))
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}))
}
