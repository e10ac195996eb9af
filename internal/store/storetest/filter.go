package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
)

// filterFixtures are five features with the kinds of values CQL2 filters
// meet: text with diacritics, numbers (and a number written as text),
// booleans, arrays, open and closed validity, points, a line, a polygon.
func filterFixtures() []*geo.Feature {
	return []*geo.Feature{
		feature(places, "a", orb.Point{10, 10}, "name", `"Łódź crossing"`, "name_local", `"Łódź crossing"`,
			"lanes", `2`, "mode", `"road"`, "valid_from", `"2025-09-12"`, "valid_to", `"2025-09-16"`),
		feature(places, "b", orb.Point{11, 11}, "name", `"Kuźnica"`, "status", `"inactive"`, "lanes", `4`,
			"mode", `"rail"`, "valid_from", `"2025-09-20T00:00:00Z"`, "big", `1e400`),
		feature(places, "c", orb.Point{20, 20}, "name", `"Medininkai"`, "country", `"LT"`, "lanes", `1`, "flag", `true`),
		feature(places, "d", square(9.5, 9.5, 10.5, 10.5), "name", `"Šalčininkai"`, "country", `"LT"`,
			"status", `"inactive"`, "lanes", `"3"`, "valid_to", `"2025-09-10"`),
		feature(places, "e", orb.LineString{{9, 9}, {12, 12}}, "name", `"Terespol"`, "countries", `["PL","BY"]`,
			"flag", `false`, "valid_from", `"2023-05-01"`, "valid_to", `"2023-05-01"`),
	}
}

// FilterCases is the table of CQL2 filters both backends must answer
// alike, with the ids they match.
var FilterCases = []struct {
	Filter string
	Want   []string
}{
	// basic-cql2: comparisons, logic, IS NULL
	{"country = 'PL'", []string{"a", "b", "e"}},
	{"country <> 'PL'", []string{"c", "d"}},
	{"lanes > 1", []string{"a", "b"}},
	{"lanes >= 2 AND country = 'PL'", []string{"a", "b"}},
	{"lanes = 3", nil}, // d's lanes is the text "3"
	{"lanes = '3'", []string{"d"}},
	{"lanes < '5'", []string{"d"}},
	{"NOT lanes > 1", []string{"c", "d", "e"}},
	{"countries = 'PL'", nil}, // an array is no string
	{"lanes IS NULL", []string{"e"}},
	{"lanes IS NOT NULL", []string{"a", "b", "c", "d"}},
	{"geometry IS NULL", nil},
	{"flag = true", []string{"c"}},
	{"flag = FALSE", []string{"e"}},
	{"NOT flag = true", []string{"a", "b", "d", "e"}},
	{"TRUE AND country = 'LT'", []string{"c", "d"}},
	{"(country = 'PL' OR country = 'LT') AND NOT status = 'inactive'", []string{"a", "c", "e"}},
	// advanced-comparison-operators
	{"big > 1e300", []string{"b"}},
	{"big = big", []string{"b"}},
	{"lanes < big", []string{"b"}},
	{"lanes BETWEEN 1 AND 2", []string{"a", "c"}},
	{"lanes NOT BETWEEN 1 AND 2", []string{"b", "d", "e"}},
	{"country IN ('LT', 'BY')", []string{"c", "d"}},
	{"country NOT IN ('LT', 'BY')", []string{"a", "b", "e"}},
	{"name LIKE 'K%'", []string{"b"}},
	{"name LIKE '%ai'", []string{"c", "d"}},
	{"name LIKE '_uźnica'", []string{"b"}},
	{"name NOT LIKE '%i%'", []string{"e"}},
	// case-insensitive-comparison, accent-insensitive-comparison
	{"CASEI(name) LIKE CASEI('%CROSSING%')", []string{"a"}},
	{"CASEI(name) = CASEI('ŁÓDŹ CROSSING')", []string{"a"}},
	{"ACCENTI(name) = ACCENTI('Lodz crossing')", []string{"a"}},
	{"ACCENTI(CASEI(name)) = ACCENTI(CASEI('SALCININKAI'))", []string{"d"}},
	{"CASEI(name) IN (CASEI('kuźnica'), CASEI('TERESPOL'))", []string{"b", "e"}},
	// property-property
	{"lanes = lanes", []string{"a", "b", "c", "d"}},
	{"name = name_local", []string{"a"}},
	{"name > name_local", nil},
	// basic-spatial-functions, spatial-functions
	{"S_INTERSECTS(geometry, POINT(10 10))", []string{"a", "d", "e"}},
	{"S_INTERSECTS(geometry, BBOX(10.8, 10.8, 11.2, 11.2))", []string{"b", "e"}},
	{"S_INTERSECTS(geometry, MULTIPOINT((20 20), (0 0)))", []string{"c"}},
	{"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(20 20), LINESTRING(9 10, 11 10)))", []string{"a", "c", "d", "e"}},
	{"S_INTERSECTS(geometry, MULTILINESTRING((19 21, 21 19), (0 0, 1 1)))", []string{"c"}},
	{"S_INTERSECTS(geometry, MULTIPOLYGON(((10.9 10.9, 11.1 10.9, 11.1 11.1, 10.9 11.1, 10.9 10.9)), ((30 30, 31 30, 31 31, 30 30))))", []string{"b", "e"}},
	{"S_WITHIN(geometry, GEOMETRYCOLLECTION(POLYGON((19 19, 21 19, 21 21, 19 21, 19 19)), POINT(10 10)))", []string{"a", "c"}},
	{"S_WITHIN(geometry, BBOX(9, 9, 12, 12))", []string{"a", "b", "d", "e"}},
	{"S_CONTAINS(geometry, POINT(10 10))", []string{"a", "d", "e"}},
	{"S_DISJOINT(geometry, BBOX(9, 9, 12, 12))", []string{"c"}},
	{"S_TOUCHES(geometry, POINT(10.5 10))", []string{"d"}},
	{"S_CROSSES(geometry, LINESTRING(9 10, 11 10))", []string{"d", "e"}},
	{"S_OVERLAPS(geometry, POLYGON((10 10, 11 10, 11 11, 10 11, 10 10)))", []string{"d"}},
	{"S_EQUALS(geometry, POINT(20 20))", []string{"c"}},
	{"S_INTERSECTS(geometry, POLYGON((9 9, 13 9, 13 13, 9 13, 9 9), (9.6 9.6, 12.5 9.6, 12.5 12.5, 9.6 12.5, 9.6 9.6)))", []string{"d", "e"}},
	// temporal-functions, and times compared
	{"T_INTERSECTS(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-14', '2025-09-15'))", []string{"a", "c"}},
	{"T_BEFORE(valid_to, DATE('2025-09-12'))", []string{"d", "e"}},
	{"T_AFTER(valid_from, DATE('2025-09-16'))", []string{"b"}},
	{"T_DURING(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-01', '2025-09-30'))", []string{"a"}},
	{"T_DISJOINT(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-11', '2025-09-17'))", []string{"b", "d", "e"}},
	{"T_CONTAINS(INTERVAL(valid_from, valid_to), DATE('2025-09-14'))", []string{"a", "c"}},
	{"T_EQUALS(valid_from, TIMESTAMP('2025-09-20T00:00:00Z'))", []string{"b"}},
	{"T_STARTS(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-12', '2025-09-30'))", []string{"a"}},
	{"T_STARTEDBY(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-12', '2025-09-13'))", []string{"a"}},
	{"T_FINISHES(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-01', '2025-09-16'))", []string{"a"}},
	{"T_FINISHEDBY(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-15', '2025-09-16'))", []string{"a"}},
	{"T_OVERLAPS(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-14', '2025-09-30'))", []string{"a"}},
	{"T_OVERLAPPEDBY(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-01', '2025-09-14'))", []string{"a"}},
	{"T_MEETS(INTERVAL(valid_from, valid_to), INTERVAL('2025-09-16T23:59:59.999999999Z', '..'))", []string{"a"}},
	{"T_METBY(INTERVAL(valid_from, valid_to), INTERVAL('..', '2025-09-20T00:00:00Z'))", []string{"b"}},
	{"T_EQUALS(INTERVAL(valid_from, valid_to), INTERVAL('..', '..'))", []string{"c"}},
	{"valid_from >= DATE('2025-09-12')", []string{"a", "b"}},
	{"valid_from = DATE('2025-09-12')", []string{"a"}},
	{"valid_from < valid_to", []string{"a", "e"}},
	{"valid_from = valid_to", nil}, // e's one day runs from its first to its last instant
	{"valid_to IS NULL", []string{"b", "c"}},
	{"NOT valid_from IS NULL AND valid_to IS NULL", []string{"b"}},
	{"valid_to < TIMESTAMP('2025-09-11T00:00:00Z')", []string{"d", "e"}},
	// literals that try to break out of their SQL parameter
	{"country = ''' OR 1=1 --'", nil},
	{"\"x'); DROP TABLE features; --\" = 'a'", nil},
	{"name LIKE '%''; DELETE FROM features; --'", nil},
	{"CASEI(name) = CASEI('$1')", nil},
	{"\"props\" = 'x' OR \"f.id\" = 'a'", nil},
	{"name = '\\' AND '1'='1'", nil},
	{"name = '\\' OR '1'='1'", []string{"a", "b", "c", "d", "e"}},
	{"S_INTERSECTS(geometry, POINT(1e308 1e308))", nil},
}

func testFilter(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, filterFixtures()...)
	for _, tc := range FilterCases {
		t.Run(tc.Filter, func(t *testing.T) {
			e, err := cql2.ParseText(tc.Filter)
			if err == nil {
				err = cql2.Validate(e)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			p := mustQuery(t, s, store.Query{Collection: places, CQL: e})
			if got := sorted(ids(p.Features)); !slices.Equal(got, tc.Want) && !(len(got) == 0 && len(tc.Want) == 0) {
				t.Errorf("got %v, want %v", got, tc.Want)
			}
			if p.Matched != len(tc.Want) {
				t.Errorf("matched %d, want %d", p.Matched, len(tc.Want))
			}
			// the same with a bbox, a sort and a page, the other query paths
			q := store.Query{Collection: places, CQL: e, Filter: geo.Filter{BBox: box(-180, -90, 180, 90)}, Limit: 2, Sort: []store.Sort{{Property: "name"}}}
			if p := mustQuery(t, s, q); p.Matched != len(tc.Want) {
				t.Errorf("with bbox and paging: matched %d, want %d", p.Matched, len(tc.Want))
			}
		})
	}
	// The store as it was (as_of) is filtered too.
	e, err := cql2.ParseText("country = 'LT'")
	if err != nil {
		t.Fatal(err)
	}
	past := mustQuery(t, s, store.Query{Collection: places, CQL: e, AsOf: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)})
	if got := sorted(ids(past.Features)); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("as of 2100, country = 'LT': %v, want [c d]", got)
	}
	// Every injection attempt left the table as it was.
	if p := mustQuery(t, s, store.Query{Collection: places}); p.Matched != len(filterFixtures()) {
		t.Errorf("after the filters: %d features, want %d", p.Matched, len(filterFixtures()))
	}
}

// testFilterDeadline: a filter evaluated past the context's deadline
// stops with an error that wraps cql2.ErrTimeout.
func testFilterDeadline(t *testing.T, h harness) {
	s := setup(t, h.open)
	mustPut(t, s, store.CreateOnly, filterFixtures()...)
	e, err := cql2.ParseText("lanes > 0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err = s.Query(ctx, store.Query{Collection: places, CQL: e})
	if !errors.Is(err, cql2.ErrTimeout) {
		t.Errorf("query past its deadline: %v, want cql2.ErrTimeout", err)
	}
}
