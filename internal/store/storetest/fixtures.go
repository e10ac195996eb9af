package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

// Collections the suite writes into.
const (
	places = "places" // any geometry, status active or inactive
	other  = "other"  // a second collection, to see that writes stay apart
)

func placesCollection() geo.Collection {
	return geo.Collection{
		ID:       places,
		Title:    "Places",
		Statuses: []string{"active", "inactive"},
		Queryables: map[string]geo.Queryable{
			"mode":      {Type: "string"},
			"countries": {Type: "string"},
			"lanes":     {Type: "integer"},
		},
	}
}

func otherCollection() geo.Collection {
	return geo.Collection{ID: other, Title: "Other", Geometry: []string{"Point"}}
}

// feature builds a valid feature; props are name, raw JSON pairs that add
// to or override the required properties.
func feature(cid, id string, g orb.Geometry, props ...string) *geo.Feature {
	m := map[string]json.RawMessage{
		"name":       json.RawMessage(strconv.Quote("Feature " + id)),
		"country":    json.RawMessage(`"PL"`),
		"status":     json.RawMessage(`"active"`),
		"confidence": json.RawMessage(`"confirmed"`),
		"sources":    json.RawMessage(`[{"title":"Test source","publisher":"storetest","date":"2025-09-12","url":"https://example.org/a"}]`),
	}
	if len(props)%2 != 0 {
		panic("feature: props come in name, value pairs")
	}
	for i := 0; i < len(props); i += 2 {
		m[props[i]] = json.RawMessage(props[i+1])
	}
	f, err := geo.NewFeature(id, g, m)
	if err != nil {
		panic(err)
	}
	return f.WithCollection(cid)
}

// Feature is feature for a backend's own tests: a valid feature of
// collection cid, with props (name, raw JSON pairs) added or overriding.
func Feature(cid, id string, g orb.Geometry, props ...string) *geo.Feature {
	return feature(cid, id, g, props...)
}

func quote(s string) string { return strconv.Quote(s) }

// setup opens a fresh store with the two collections.
func setup(t *testing.T, open func(t *testing.T) store.Store) store.Store {
	t.Helper()
	s := open(t)
	for _, c := range []geo.Collection{placesCollection(), otherCollection()} {
		if err := s.PutCollection(context.Background(), c); err != nil {
			t.Fatalf("PutCollection(%s): %v", c.ID, err)
		}
	}
	return s
}

// wantIDs runs q and fails unless it gives exactly the features want, in
// order, and matches as many; what says which query it was.
func wantIDs(t *testing.T, s store.Store, q store.Query, want []string, what string) {
	t.Helper()
	p := mustQuery(t, s, q)
	if got := ids(p.Features); !slices.Equal(got, want) || p.Matched != len(want) {
		t.Errorf("%s: got %v (matched %d), want %v", what, got, p.Matched, want)
	}
}

// mustPut writes features, fails the test on error, and returns them as
// stored.
func mustPut(t *testing.T, s store.Store, mode store.PutMode, fs ...*geo.Feature) []*geo.Feature {
	t.Helper()
	out, err := s.Put(context.Background(), fs, mode)
	if err != nil {
		t.Fatalf("Put(%d features): %v", len(fs), err)
	}
	if len(out) != len(fs) {
		t.Fatalf("Put(%d features) returned %d", len(fs), len(out))
	}
	return out
}

func mustGet(t *testing.T, s store.Store, cid, id string) *geo.Feature {
	t.Helper()
	f, err := s.Get(context.Background(), cid, id)
	if err != nil {
		t.Fatalf("Get(%s, %s): %v", cid, id, err)
	}
	return f
}

func mustQuery(t *testing.T, s store.Store, q store.Query) store.Page {
	t.Helper()
	p, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("Query(%+v): %v", q, err)
	}
	return p
}

func mustVersion(t *testing.T, s store.Store, cid string) int64 {
	t.Helper()
	v, err := s.Version(context.Background(), cid)
	if err != nil {
		t.Fatalf("Version(%s): %v", cid, err)
	}
	return v
}

func ids(fs []*geo.Feature) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ID()
	}
	return out
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// state is what must not change when a write fails: each collection's
// count and version and each feature's version.
type state struct {
	counts   map[string]int
	versions map[string]int64
	features map[string]int64
}

func snapshot(t *testing.T, s store.Store) state {
	t.Helper()
	ctx := context.Background()
	cs, err := s.Collections(ctx)
	if err != nil {
		t.Fatalf("Collections: %v", err)
	}
	st := state{counts: map[string]int{}, versions: map[string]int64{}, features: map[string]int64{}}
	for _, c := range cs {
		st.counts[c.ID] = c.Count
		st.versions[c.ID] = mustVersion(t, s, c.ID)
		for _, f := range mustQuery(t, s, store.Query{Collection: c.ID}).Features {
			st.features[c.ID+"/"+f.ID()] = f.Version()
		}
	}
	return st
}

func (a state) diff(t *testing.T, b state) {
	t.Helper()
	for k, v := range a.counts {
		if b.counts[k] != v {
			t.Errorf("collection %s: count %d, was %d", k, b.counts[k], v)
		}
		if b.versions[k] != a.versions[k] {
			t.Errorf("collection %s: version %d, was %d", k, b.versions[k], a.versions[k])
		}
	}
	for k, v := range a.features {
		if w, ok := b.features[k]; !ok || w != v {
			t.Errorf("feature %s: version %d (present %v), was %d", k, w, ok, v)
		}
	}
	for k := range b.features {
		if _, ok := a.features[k]; !ok {
			t.Errorf("feature %s appeared", k)
		}
	}
}

func box(w, s, e, n float64) *geo.BBox { return &geo.BBox{West: w, South: s, East: e, North: n} }

func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}
