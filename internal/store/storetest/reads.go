package storetest

// The contract's reads: collections, extents, Get and Query with every filter, sorting and paging.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
)

func testCollections(t *testing.T, h harness) {
	s := h.open(t)
	cs, err := s.Collections(ctx)
	if err != nil || len(cs) != 0 {
		t.Fatalf("Collections of an empty store: %v, %v; want none", cs, err)
	}
	if _, err := s.Collection(ctx, places); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Collection(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.Version(ctx, places); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Version(unknown): %v, want ErrNotFound", err)
	}
	for _, c := range []geo.Collection{placesCollection(), otherCollection()} {
		if err := s.PutCollection(ctx, c); err != nil {
			t.Fatalf("PutCollection(%s): %v", c.ID, err)
		}
	}
	cs, err = s.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.ID)
	}
	if want := []string{other, places}; !slices.Equal(sorted(got), want) {
		t.Errorf("Collections: %v, want %v", got, want)
	}
	c, err := s.Collection(ctx, places)
	if err != nil {
		t.Fatal(err)
	}
	want := placesCollection()
	if c.ID != want.ID || c.Title != want.Title || !slices.Equal(c.Statuses, want.Statuses) || len(c.Queryables) != len(want.Queryables) {
		t.Errorf("Collection(%s) = %+v, want the metadata of %+v", places, c, want)
	}
	if c.Count != 0 {
		t.Errorf("empty collection has Count %d", c.Count)
	}

	// Updating the metadata keeps the features.
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}))
	want.Title = "Places, renamed"
	if err := s.PutCollection(ctx, want); err != nil {
		t.Fatal(err)
	}
	c, err = s.Collection(ctx, places)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != want.Title || c.Count != 1 {
		t.Errorf("after renaming: title %q count %d, want %q and 1", c.Title, c.Count, want.Title)
	}
}

func testExtents(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.Upsert,
		feature(places, "p", orb.Point{20, 52}, "valid_from", `"2025-09-12"`, "valid_to", `"2025-09-16"`),
		feature(places, "l", orb.LineString{{18, 51}, {19, 50.5}}, "valid_from", `"2025-01-01T06:00:00Z"`, "valid_to", `"2025-03-01T00:00:00Z"`),
		feature(places, "g", square(21, 53, 23, 54.5), "valid_from", `"2025-05-01"`, "valid_to", `"2025-12-31T18:00:00Z"`),
	)
	c, err := s.Collection(ctx, places)
	if err != nil {
		t.Fatal(err)
	}
	if c.Count != 3 {
		t.Errorf("Count %d, want 3", c.Count)
	}
	if want := (orb.Bound{Min: orb.Point{18, 50.5}, Max: orb.Point{23, 54.5}}); c.Bound != want {
		t.Errorf("Bound %v, want %v", c.Bound, want)
	}
	wantStart := time.Date(2025, 1, 1, 6, 0, 0, 0, time.UTC)
	wantEnd := time.Date(2025, 12, 31, 18, 0, 0, 0, time.UTC)
	if !c.Time.Start.Equal(wantStart) || !c.Time.End.Equal(wantEnd) {
		t.Errorf("Time %v – %v, want %v – %v", c.Time.Start, c.Time.End, wantStart, wantEnd)
	}

	// The extents follow deletes, and an open end opens the extent.
	if err := s.Delete(ctx, places, "g", 0); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, store.Upsert, feature(places, "open", orb.Point{19, 51}, "valid_from", `"2025-06-01"`))
	c, err = s.Collection(ctx, places)
	if err != nil {
		t.Fatal(err)
	}
	if want := (orb.Bound{Min: orb.Point{18, 50.5}, Max: orb.Point{20, 52}}); c.Bound != want || c.Count != 3 {
		t.Errorf("after delete and put: Bound %v Count %d, want %v and 3", c.Bound, c.Count, want)
	}
	if !c.Time.Start.Equal(wantStart) || !c.Time.End.IsZero() {
		t.Errorf("Time %v – %v, want %v – open", c.Time.Start, c.Time.End, wantStart)
	}

	// Collections reports the same extents as Collection.
	cs, err := s.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cs {
		if x.ID == places && (x.Count != c.Count || x.Bound != c.Bound || x.Version != c.Version) {
			t.Errorf("Collections has %s with count %d bound %v version %d; Collection says %d %v %d",
				places, x.Count, x.Bound, x.Version, c.Count, c.Bound, c.Version)
		}
	}
}

func testGet(t *testing.T, h harness) {
	s := setup(t, h.open)
	in := feature(places, "airfield-machulishchy", orb.Point{27.5807, 53.7744},
		"name_local", quote("Мачулішчы"), "icao", `"UMMM"`)
	mustPut(t, s, store.CreateOnly, in)
	f := mustGet(t, s, places, "airfield-machulishchy")
	if f.ID() != "airfield-machulishchy" || f.Geometry() != (orb.Point{27.5807, 53.7744}) {
		t.Errorf("Get: id %q geometry %v", f.ID(), f.Geometry())
	}
	if f.Collection() != places {
		t.Errorf("Get: Collection %q, want %q", f.Collection(), places)
	}
	if got := f.String("name_local"); got != "Мачулішчы" {
		t.Errorf("name_local %q", got)
	}
	if f.Version() == 0 {
		t.Errorf("Get: Version 0; stores set a version on every write")
	}
	for _, tc := range []struct{ cid, id string }{
		{places, "nope"},
		{"no-such-collection", "airfield-machulishchy"},
		{other, "airfield-machulishchy"},
	} {
		if _, err := s.Get(ctx, tc.cid, tc.id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get(%s, %s): %v, want ErrNotFound", tc.cid, tc.id, err)
		}
	}
}

func testQueryUnknownCollection(t *testing.T, h harness) {
	s := setup(t, h.open)
	for _, q := range []store.Query{
		{Collection: "no-such-collection"},
		{Collection: "no-such-collection", Filter: geo.Filter{BBox: box(0, 0, 1, 1)}},
	} {
		if _, err := s.Query(ctx, q); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Query(%+v): %v, want ErrNotFound", q, err)
		}
	}
	p := mustQuery(t, s, store.Query{Collection: places})
	if p.Matched != 0 || len(p.Features) != 0 {
		t.Errorf("empty collection: %d matched, %d returned", p.Matched, len(p.Features))
	}
}

// The box of the bbox tests is [10, 10] – [11, 11].
func bboxFixtures() []*geo.Feature {
	return []*geo.Feature{
		feature(places, "pt-in", orb.Point{10.5, 10.5}),
		feature(places, "pt-edge", orb.Point{11, 10.5}),
		feature(places, "pt-corner", orb.Point{10, 10}),
		feature(places, "pt-out", orb.Point{12, 12}),
		feature(places, "pt-out-near", orb.Point{10.5, 11.001}),
		feature(places, "mpt-one-in", orb.MultiPoint{{0, 0}, {10.2, 10.2}}),
		feature(places, "mpt-around", orb.MultiPoint{{9, 9}, {12, 12}}), // its bbox holds the box, no point in it
		// A line through the box with no vertex in it.
		feature(places, "ln-through", orb.LineString{{9, 10.5}, {12, 10.5}}),
		// A line whose bbox covers the box's corner but which passes by it
		// (x + y = 19.5 stays below the corner x + y = 20).
		feature(places, "ln-miss", orb.LineString{{8, 11.5}, {11.5, 8}}),
		feature(places, "ln-inside", orb.LineString{{10.1, 10.1}, {10.9, 10.9}}),
		feature(places, "mln-one-through", orb.MultiLineString{{{40, 40}, {41, 41}}, {{10.5, 9}, {10.5, 12}}}),
		feature(places, "pg-contains-box", square(0, 0, 20, 20)),
		feature(places, "pg-overlap", square(10.8, 10.8, 12, 12)),
		feature(places, "pg-inside", square(10.2, 10.2, 10.4, 10.4)),
		// A triangle whose bbox overlaps the box but which stays below
		// x + y = 19.5.
		feature(places, "pg-miss", orb.Polygon{{{8, 8}, {11.5, 8}, {8, 11.5}, {8, 8}}}),
		feature(places, "pg-far", square(30, 30, 31, 31)),
		// The box lies in this polygon's hole.
		feature(places, "pg-hole-around-box", orb.Polygon{square(5, 5, 16, 16)[0], square(9.5, 9.5, 11.5, 11.5)[0]}),
		feature(places, "mpg-one-overlaps", orb.MultiPolygon{square(30, 30, 31, 31), square(9, 9, 10.5, 10.5)}),
		feature(other, "other-in", orb.Point{10.5, 10.5}),
	}
}

func testBBox(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, bboxFixtures()...)
	tests := []struct {
		name string
		bbox *geo.BBox
		want []string
	}{
		{"exact", box(10, 10, 11, 11), []string{
			"ln-inside", "ln-through", "mln-one-through", "mpg-one-overlaps", "mpt-one-in",
			"pg-contains-box", "pg-inside", "pg-overlap", "pt-corner", "pt-edge", "pt-in",
		}},
		{"nothing there", box(-50, -50, -40, -40), nil},
		{"whole world", box(-180, -90, 180, 90), []string{
			"ln-inside", "ln-miss", "ln-through", "mln-one-through", "mpg-one-overlaps", "mpt-around", "mpt-one-in",
			"pg-contains-box", "pg-far", "pg-hole-around-box", "pg-inside", "pg-miss", "pg-overlap", "pt-corner", "pt-edge", "pt-in",
			"pt-out", "pt-out-near",
		}},
		{"inside the big polygon only", box(1, 1, 2, 2), []string{"pg-contains-box"}},
		{"a sliver on the far polygon", box(30.5, 29, 30.6, 30), []string{"mpg-one-overlaps", "pg-far"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: tt.bbox}})
			if got := ids(p.Features); !slices.Equal(got, tt.want) {
				t.Errorf("bbox %v:\n got %v\nwant %v", *tt.bbox, got, tt.want)
			}
			if p.Matched != len(tt.want) {
				t.Errorf("Matched %d, want %d", p.Matched, len(tt.want))
			}
		})
	}
}

func testAntimeridian(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "east", orb.Point{179.5, 0}),
		feature(places, "west", orb.Point{-179.5, 0}),
		feature(places, "dateline", orb.Point{180, 1}),
		feature(places, "greenwich", orb.Point{0, 0}),
		feature(places, "east-far-north", orb.Point{179.5, 20}),
		feature(places, "fiji", square(177, -19, 179.9, -16)),
		feature(places, "samoa", square(-172.8, -14.1, -171.4, -13.4)),
	)
	tests := []struct {
		bbox *geo.BBox
		want []string
	}{
		{box(179, -10, -179, 10), []string{"dateline", "east", "west"}},
		{box(170, -20, -170, 10), []string{"dateline", "east", "fiji", "samoa", "west"}},
		{box(179.95, -30, -179.95, 30), []string{"dateline"}},
		{box(-10, -10, 10, 10), []string{"greenwich"}},
	}
	for _, tt := range tests {
		wantIDs(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: tt.bbox}}, tt.want, fmt.Sprintf("bbox %v", *tt.bbox))
	}
}

func testTime(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "always", orb.Point{1, 1}),
		feature(places, "zapad", orb.Point{1, 1}, "valid_from", `"2025-09-12"`, "valid_to", `"2025-09-16"`),
		feature(places, "from-october", orb.Point{1, 1}, "valid_from", `"2025-10-01T00:00:00Z"`),
		feature(places, "until-august", orb.Point{1, 1}, "valid_to", `"2025-08-01"`),
		feature(places, "two-hours", orb.Point{1, 1}, "valid_from", `"2025-09-20T12:00:00+02:00"`, "valid_to", `"2025-09-20T12:00:00Z"`),
	)
	tests := []struct {
		datetime string
		want     []string
	}{
		{"2025-09-14", []string{"always", "zapad"}},
		{"2025-09-16T23:30:00Z", []string{"always", "zapad"}}, // a bare valid_to holds all of its day
		{"2025-09-17/2025-09-30", []string{"always", "two-hours"}},
		{"2025-09-20T11:00:00Z", []string{"always", "two-hours"}},
		{"2025-09-20T12:30:00Z", []string{"always"}},
		{"../2025-07-01", []string{"always", "until-august"}},
		{"2026-01-01/..", []string{"always", "from-october"}},
		{"../..", []string{"always", "from-october", "two-hours", "until-august", "zapad"}},
		{"2025-07-31/2025-10-01T00:00:00Z", []string{"always", "from-october", "two-hours", "until-august", "zapad"}},
		{"2025-09-10/P2D", []string{"always", "zapad"}},
		{"2025-09-11T12:00:00Z/PT11H", []string{"always"}},
	}
	for _, tt := range tests {
		iv, err := geo.ParseDatetime(tt.datetime)
		if err != nil {
			t.Fatalf("ParseDatetime(%q): %v", tt.datetime, err)
		}
		wantIDs(t, s, store.Query{Collection: places, Filter: geo.Filter{Time: iv}}, tt.want, "datetime="+tt.datetime)
	}
}

func testProps(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "terespol", orb.Point{23.6, 52.07}, "mode", `"road"`, "countries", `["PL","BY"]`, "lanes", `4`),
		feature(places, "kuznica", orb.Point{23.65, 53.5}, "mode", `"rail"`, "countries", `["PL","BY"]`, "status", `"inactive"`),
		feature(places, "silene", orb.Point{26.77, 55.68}, "mode", `"road"`, "countries", `["LV","BY"]`, "country", `"LV"`, "lanes", `2`),
		feature(places, "grebneva", orb.Point{27.94, 56.92}, "mode", `"road"`, "countries", `"LV"`, "country", `"LV"`),
	)
	tests := []struct {
		props map[string]string
		want  []string
	}{
		{map[string]string{"mode": "road"}, []string{"grebneva", "silene", "terespol"}},
		{map[string]string{"mode": "ship"}, nil},
		{map[string]string{"countries": "PL"}, []string{"kuznica", "terespol"}},
		{map[string]string{"countries": "BY"}, []string{"kuznica", "silene", "terespol"}},
		{map[string]string{"countries": "LV"}, []string{"grebneva", "silene"}},
		{map[string]string{"countries": "PL", "mode": "road"}, []string{"terespol"}},
		{map[string]string{"status": "inactive"}, []string{"kuznica"}},
		{map[string]string{"country": "LV", "status": "active"}, []string{"grebneva", "silene"}},
		{map[string]string{"lanes": "4"}, []string{"terespol"}},
		{map[string]string{"lanes": "3"}, nil},
		{map[string]string{"nosuchproperty": "x"}, nil},
		{map[string]string{"mode": "Road"}, nil}, // equality is exact
	}
	for _, tt := range tests {
		wantIDs(t, s, store.Query{Collection: places, Filter: geo.Filter{Props: tt.props}}, tt.want, fmt.Sprintf("props %v", tt.props))
	}
}

func testText(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "machulishchy", orb.Point{27.58, 53.77}, "name", `"Machulishchy air base"`, "name_local", quote("Мачулішчы")),
		feature(places, "baranovichi", orb.Point{26.05, 53.1}, "name", `"Baranovichi air base"`, "name_local", quote("Баранавічы")),
		feature(places, "lida", orb.Point{25.33, 53.88}, "name", `"Lida"`),
		feature(places, "mulino", orb.Point{42.95, 56.3}, "name", `"Mulino training ground"`, "description", `"Not an air base"`),
	)
	tests := []struct {
		q    string
		want []string
	}{
		{"air base", []string{"baranovichi", "machulishchy"}},
		{"AIR BASE", []string{"baranovichi", "machulishchy"}},
		{"lid", []string{"lida"}},
		{"мачул", []string{"machulishchy"}},     // name_local, other case
		{"БАРАНАВІЧЫ", []string{"baranovichi"}}, // Cyrillic upper case
		{"ground", []string{"mulino"}},
		{"nowhere", nil},
	}
	for _, tt := range tests {
		wantIDs(t, s, store.Query{Collection: places, Filter: geo.Filter{Text: tt.q}}, tt.want, fmt.Sprintf("q=%q", tt.q))
	}
}

func testFiltersCombine(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "a", orb.Point{10.5, 10.5}, "name", `"Alpha road"`, "mode", `"road"`, "valid_from", `"2025-09-01"`),
		feature(places, "b", orb.Point{10.6, 10.6}, "name", `"Bravo road"`, "mode", `"rail"`, "valid_from", `"2025-09-01"`),
		feature(places, "c", orb.Point{10.7, 10.7}, "name", `"Charlie road"`, "mode", `"road"`, "valid_to", `"2025-01-01"`),
		feature(places, "d", orb.Point{50, 50}, "name", `"Delta road"`, "mode", `"road"`, "valid_from", `"2025-09-01"`),
		feature(places, "e", orb.Point{10.8, 10.8}, "name", `"Echo"`, "mode", `"road"`, "valid_from", `"2025-09-01"`),
	)
	iv, _ := geo.ParseDatetime("2025-09-12")
	p := mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{
		BBox: box(10, 10, 11, 11), Time: iv, Props: map[string]string{"mode": "road"}, Text: "road",
	}})
	if got := ids(p.Features); !slices.Equal(got, []string{"a"}) || p.Matched != 1 {
		t.Errorf("all filters: got %v (matched %d), want [a]", got, p.Matched)
	}
}

func testSort(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly,
		feature(places, "x1", orb.Point{1, 1}, "name", `"Charlie"`),
		feature(places, "x2", orb.Point{1, 1}, "name", `"Alpha"`),
		feature(places, "x3", orb.Point{1, 1}, "name", `"Bravo"`),
		feature(places, "x4", orb.Point{1, 1}, "name", `"Alpha"`),
		feature(places, "x0", orb.Point{1, 1}, "name", `"Delta"`),
	)
	tests := []struct {
		name string
		sort []store.Sort
		bbox *geo.BBox
		want []string
	}{
		{"default is id", nil, nil, []string{"x0", "x1", "x2", "x3", "x4"}},
		{"default is id with bbox", nil, box(0, 0, 2, 2), []string{"x0", "x1", "x2", "x3", "x4"}},
		{"id descending", []store.Sort{{Property: "id", Descending: true}}, nil, []string{"x4", "x3", "x2", "x1", "x0"}},
		{"name, ties by id", []store.Sort{{Property: "name"}}, nil, []string{"x2", "x4", "x3", "x1", "x0"}},
		{"name descending", []store.Sort{{Property: "name", Descending: true}}, nil, []string{"x0", "x1", "x3", "x2", "x4"}},
		{"name with bbox", []store.Sort{{Property: "name"}}, box(0, 0, 2, 2), []string{"x2", "x4", "x3", "x1", "x0"}},
	}
	for _, tt := range tests {
		p := mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: tt.bbox}, Sort: tt.sort})
		if got := ids(p.Features); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testSortUpdated(t *testing.T, h harness) {
	s := setup(t, h.open)
	order := []string{"u-c", "u-a", "u-d", "u-b"}
	for _, id := range order {
		mustPut(t, s, store.CreateOnly, feature(places, id, orb.Point{1, 1}))
		h.clock.Advance(time.Millisecond)
	}
	p := mustQuery(t, s, store.Query{Collection: places, Sort: []store.Sort{{Property: "updated"}}})
	if got := ids(p.Features); !slices.Equal(got, order) {
		t.Errorf("updated ascending: got %v, want %v", got, order)
	}
	p = mustQuery(t, s, store.Query{Collection: places, Sort: []store.Sort{{Property: "updated", Descending: true}}})
	rev := slices.Clone(order)
	slices.Reverse(rev)
	if got := ids(p.Features); !slices.Equal(got, rev) {
		t.Errorf("updated descending: got %v, want %v", got, rev)
	}
	// Times kept from an import sort as instants, not as text.
	mustPut(t, s, store.Upsert,
		feature(places, "v-1", orb.Point{1, 1}, "updated", `"2025-09-12T10:00:00+02:00"`), // 08:00Z
		feature(places, "v-2", orb.Point{1, 1}, "updated", `"2025-09-12T08:00:00.5Z"`),
		feature(places, "v-3", orb.Point{1, 1}, "updated", `"2025-09-12T08:30:00Z"`),
		feature(places, "v-4", orb.Point{1, 1}, "updated", `"2025-09-12T09:00:00Z"`),
	)
	p = mustQuery(t, s, store.Query{Collection: places, Sort: []store.Sort{{Property: "updated"}}, Limit: 4})
	if got, want := ids(p.Features), []string{"v-1", "v-2", "v-3", "v-4"}; !slices.Equal(got, want) {
		t.Errorf("updated ascending across offsets and fractions: got %v, want %v", got, want)
	}

	// A replace makes a feature the most recent.
	if _, err := s.Replace(ctx, feature(places, "u-c", orb.Point{2, 2}), 0); err != nil {
		t.Fatal(err)
	}
	p = mustQuery(t, s, store.Query{Collection: places, Sort: []store.Sort{{Property: "updated", Descending: true}}, Limit: 1})
	if got := ids(p.Features); !slices.Equal(got, []string{"u-c"}) {
		t.Errorf("most recent after a replace: %v, want [u-c]", got)
	}
}

func testPaging(t *testing.T, h harness) {
	s := setup(t, h.open)
	var fs []*geo.Feature
	for i := range 25 {
		// Names repeat, so sorting by name leans on the id tie-break.
		fs = append(fs, feature(places, fmt.Sprintf("f%02d", (i*7)%25), orb.Point{10 + float64(i)/100, 10},
			"name", quote(fmt.Sprintf("Name %d", i%4))))
	}
	fs = append(fs, feature(places, "outside", orb.Point{50, 50}))
	mustPut(t, s, store.CreateOnly, fs...)

	for _, q := range []store.Query{
		{Collection: places},
		{Collection: places, Filter: geo.Filter{BBox: box(9, 9, 11, 11)}},
		{Collection: places, Sort: []store.Sort{{Property: "name"}}},
		{Collection: places, Sort: []store.Sort{{Property: "name", Descending: true}}, Filter: geo.Filter{BBox: box(9, 9, 11, 11)}},
	} {
		all := mustQuery(t, s, q)
		want := len(all.Features)
		if all.Matched != want || (want != 25 && want != 26) {
			t.Fatalf("%+v without a limit: %d returned, %d matched", q, want, all.Matched)
		}
		for _, limit := range []int{1, 7, 25, 100} {
			var got []string
			for off := 0; off < want+limit; off += limit {
				pq := q
				pq.Limit, pq.Offset = limit, off
				p := mustQuery(t, s, pq)
				if p.Matched != want {
					t.Errorf("%+v: Matched %d, want %d", pq, p.Matched, want)
				}
				if wantN := min(limit, max(0, want-off)); len(p.Features) != wantN {
					t.Errorf("%+v: %d returned, want %d", pq, len(p.Features), wantN)
				}
				got = append(got, ids(p.Features)...)
			}
			if !slices.Equal(got, ids(all.Features)) {
				t.Errorf("%+v with limit %d: pages give\n%v\nwant each feature once, in the order\n%v", q, limit, got, ids(all.Features))
			}
		}
	}
}

func testUnknownProperties(t *testing.T, h harness) {
	s := setup(t, h.open)
	// Keys are in the order PostgreSQL's jsonb keeps them too (shorter
	// first), so only insignificant whitespace may change.
	extra := map[string]string{
		"big":    `12345678901234567890`,
		"exact":  `0.1000000000000000055511151231257827`,
		"nested": `{"a":1,"bb":[1,2.50,{"c":null,"dd":true}],"ccc":{"deep":"é ☃ \"q\""}}`,
		"list":   `["x",1,null,false]`,
		"html":   `"<b>not markup</b> & more"`,
	}
	var props []string
	for k, v := range extra {
		props = append(props, k, v)
	}
	mustPut(t, s, store.CreateOnly, feature(places, "a", orb.Point{1, 1}, props...))
	check := func(where string, f *geo.Feature) {
		t.Helper()
		for k, want := range extra {
			var got bytes.Buffer
			raw, _ := f.Property(k)
			if err := json.Compact(&got, raw); err != nil {
				t.Errorf("%s: property %s: %v", where, k, err)
				continue
			}
			if got.String() != want {
				t.Errorf("%s: property %s is\n%s\nwant\n%s", where, k, got.String(), want)
			}
		}
		// And it survives encoding as GeoJSON.
		raw, err := f.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: MarshalJSON: %v", where, err)
		}
		if !bytes.Contains(raw, []byte(`12345678901234567890`)) {
			t.Errorf("%s: the big number is lost in %s", where, raw)
		}
	}
	check("Get", mustGet(t, s, places, "a"))
	check("Query", mustQuery(t, s, store.Query{Collection: places}).Features[0])
	check("bbox Query", mustQuery(t, s, store.Query{Collection: places, Filter: geo.Filter{BBox: box(0, 0, 2, 2)}}).Features[0])
}
