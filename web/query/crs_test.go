package query_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web/query"
)

func mustCRS(t *testing.T, uri string) *crs.CRS {
	t.Helper()
	c, ok := crs.Lookup(uri)
	if !ok {
		t.Fatalf("no CRS %s", uri)
	}
	return c
}

func TestBBoxIn(t *testing.T) {
	want := geo.BBox{West: 20, South: 52, East: 21, North: 53}
	const eps = 1e-6 // degrees: 0.1 m
	near := func(a, b geo.BBox) bool {
		return math.Abs(a.West-b.West) < eps && math.Abs(a.South-b.South) < eps &&
			math.Abs(a.East-b.East) < eps && math.Abs(a.North-b.North) < eps
	}
	// CRS84 (nil or named) is read as it is; EPSG:4326 is latitude first.
	for _, c := range []*crs.CRS{nil, mustCRS(t, crs.CRS84)} {
		if got, err := query.BBoxIn("20,52,21,53", c); err != nil || got != want {
			t.Errorf("BBoxIn in %v = %v, %v; want %v", c, got, err, want)
		}
	}
	if got, err := query.BBoxIn("52,20,53,21", mustCRS(t, "http://www.opengis.net/def/crs/EPSG/0/4326")); err != nil || !near(got, want) {
		t.Errorf("BBoxIn in EPSG:4326 = %v, %v; want %v", got, err, want)
	}
	// Web Mercator's axes follow longitude and latitude: the box comes
	// back as it went in.
	merc := mustCRS(t, "http://www.opengis.net/def/crs/EPSG/0/3857")
	x0, y0 := merc.FromCRS84(20, 52)
	x1, y1 := merc.FromCRS84(21, 53)
	if got, err := query.BBoxIn(fmt.Sprintf("%f,%f,%f,%f", x0, y0, x1, y1), merc); err != nil || !near(got, want) {
		t.Errorf("BBoxIn in EPSG:3857 = %v, %v; want %v", got, err, want)
	}
	// A grid's box is curved in CRS84: the answer covers all its corners.
	grid := mustCRS(t, epsg2180)
	n0, e0, n1, e1 := 400000.0, 500000.0, 500000.0, 600000.0
	got, err := query.BBoxIn(fmt.Sprintf("%g,%g,%g,%g", n0, e0, n1, e1), grid)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][2]float64{{n0, e0}, {n0, e1}, {n1, e0}, {n1, e1}} {
		lon, lat := grid.ToCRS84(p[0], p[1])
		if lon < got.West-eps || lon > got.East+eps || lat < got.South-eps || lat > got.North+eps {
			t.Errorf("BBoxIn in EPSG:2180 = %v misses the corner %v (%f, %f)", got, p, lon, lat)
		}
	}
}

func TestBBoxIn_Rejects(t *testing.T) {
	grid := mustCRS(t, epsg2180)
	cases := []struct {
		val string
		c   *crs.CRS
	}{
		{"1,2,3", nil},
		{"1,2,x,4", nil},
		{"1,2,3", grid},
		{"1,2,NaN,4", grid},
		{"1,2,Inf,4", grid},
		{"500000,500000,400000,600000", grid}, // the first corner is not the minimum
		{"-1e12,-1e12,-1e11,-1e11", grid},     // nowhere on Earth
	}
	for _, c := range cases {
		_, err := query.BBoxIn(c.val, c.c)
		wantBadRequest(t, fmt.Sprintf("BBoxIn(%q, %v)", c.val, c.c), err, "bbox")
	}
}
