package geo_test

import (
	"errors"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

func TestParseBBox(t *testing.T) {
	tests := []struct {
		in   string
		want geo.BBox
	}{
		{"14,49,33,58", geo.BBox{West: 14, South: 49, East: 33, North: 58}},
		{" 14 , 49.5 ,33, 58 ", geo.BBox{West: 14, South: 49.5, East: 33, North: 58}},
		{"14,49,-100,33,58,9000", geo.BBox{West: 14, South: 49, East: 33, North: 58}}, // heights dropped
		{"170,-20,-170,10", geo.BBox{West: 170, South: -20, East: -170, North: 10}},   // crosses the antimeridian
		{"-180,-90,180,90", geo.BBox{West: -180, South: -90, East: 180, North: 90}},
		{"1e1,0,2e1,1", geo.BBox{West: 10, South: 0, East: 20, North: 1}},
	}
	for _, tt := range tests {
		got, err := geo.ParseBBox(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBBox(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{
		"", "1,2,3", "1,2,3,4,5", "1,2,3,4,5,6,7", "a,2,3,4", "1,,3,4", "NaN,0,1,1", "0,0,Inf,1",
		"-181,0,0,1", "0,0,180.5,1", "0,-91,1,1", "0,0,1,90.1", "0,10,1,5", "1;2;3;4",
	} {
		b, err := geo.ParseBBox(in)
		var ve *geo.ValidationError
		if err == nil || !errors.Is(err, geo.ErrInvalid) || !errors.As(err, &ve) || ve.Field != "bbox" {
			t.Errorf("ParseBBox(%q) = %+v, %v; want a ValidationError on bbox", in, b, err)
		}
	}
}

func TestBBoxBounds(t *testing.T) {
	b := geo.BBox{West: 170, South: -20, East: -170, North: 10}
	got := b.Bounds()
	want := []orb.Bound{
		{Min: orb.Point{170, -20}, Max: orb.Point{180, 10}},
		{Min: orb.Point{-180, -20}, Max: orb.Point{-170, 10}},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Bounds() = %v, want %v", got, want)
	}
	if got := (geo.BBox{West: 1, South: 2, East: 3, North: 4}).Bounds(); len(got) != 1 || got[0] != (orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}) {
		t.Errorf("Bounds() of a plain box = %v", got)
	}
}

func sq(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// The box of these tests is [10, 10] – [11, 11].
func TestIntersectsBoundIsExact(t *testing.T) {
	box := orb.Bound{Min: orb.Point{10, 10}, Max: orb.Point{11, 11}}
	tests := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"point inside", orb.Point{10.5, 10.5}, true},
		{"point on an edge", orb.Point{11, 10.5}, true},
		{"point on a corner", orb.Point{10, 10}, true},
		{"point outside", orb.Point{11.0001, 10.5}, false},
		{"multipoint with one inside", orb.MultiPoint{{0, 0}, {10.2, 10.2}}, true},
		{"multipoint around the box", orb.MultiPoint{{9, 9}, {12, 12}}, false},
		{"line through, no vertex inside", orb.LineString{{9, 10.5}, {12, 10.5}}, true},
		{"line across a corner", orb.LineString{{9.8, 10.5}, {10.5, 9.8}}, true}, // x + y = 20.3
		{"line past the corner", orb.LineString{{8, 11.5}, {11.5, 8}}, false},    // x + y = 19.5 < 20
		{"line touching a corner", orb.LineString{{9, 11}, {11, 9}}, true},       // x + y = 20
		{"line inside", orb.LineString{{10.1, 10.1}, {10.9, 10.9}}, true},
		{"line along an edge outside", orb.LineString{{9, 11.5}, {12, 11.5}}, false},
		{"multiline with one crossing", orb.MultiLineString{{{40, 40}, {41, 41}}, {{10.5, 9}, {10.5, 12}}}, true},
		{"multiline around", orb.MultiLineString{{{9, 9}, {9, 12}}, {{12, 9}, {12, 12}}}, false},
		{"polygon containing the box", sq(0, 0, 20, 20), true},
		{"polygon inside the box", sq(10.2, 10.2, 10.4, 10.4), true},
		{"polygon overlapping a corner", sq(10.8, 10.8, 12, 12), true},
		{"polygon sharing an edge", sq(11, 10, 12, 11), true},
		{"triangle whose bbox overlaps", orb.Polygon{{{8, 8}, {11.5, 8}, {8, 11.5}, {8, 8}}}, false},
		{"polygon far away", sq(30, 30, 31, 31), false},
		{"multipolygon with one overlapping", orb.MultiPolygon{sq(30, 30, 31, 31), sq(9, 9, 10.5, 10.5)}, true},
		{"box inside a polygon's hole", orb.Polygon{sq(0, 0, 20, 20)[0], sq(5, 5, 15, 15)[0]}, false},
		{"box across a hole's edge", orb.Polygon{sq(0, 0, 20, 20)[0], sq(10.5, 5, 15, 15)[0]}, true},
		{"L-shape around the box", orb.Polygon{{{9, 9}, {12, 9}, {12, 9.5}, {9.5, 9.5}, {9.5, 12}, {9, 12}, {9, 9}}}, false},
	}
	for _, tt := range tests {
		if got := geo.IntersectsBound(tt.g, box); got != tt.want {
			t.Errorf("%s: IntersectsBound = %v, want %v", tt.name, got, tt.want)
		}
		b := geo.BBox{West: 10, South: 10, East: 11, North: 11}
		if got := b.Intersects(tt.g); got != tt.want {
			t.Errorf("%s: BBox.Intersects = %v, want %v", tt.name, got, tt.want)
		}
	}
	// The geometry is not changed by the test (clipping works on a copy).
	line := orb.LineString{{9, 10.5}, {12, 10.5}}
	geo.IntersectsBound(line, box)
	if line[0] != (orb.Point{9, 10.5}) || line[1] != (orb.Point{12, 10.5}) {
		t.Errorf("IntersectsBound changed its input: %v", line)
	}
}

func TestBBoxIntersectsAcrossTheAntimeridian(t *testing.T) {
	b := geo.BBox{West: 179, South: -10, East: -179, North: 10}
	for _, tt := range []struct {
		g    orb.Geometry
		want bool
	}{
		{orb.Point{179.5, 0}, true},
		{orb.Point{-179.5, 0}, true},
		{orb.Point{180, 0}, true},
		{orb.Point{0, 0}, false},
		{orb.Point{179.5, 11}, false},
		{orb.LineString{{178, -5}, {179.5, 5}}, true},
		{orb.LineString{{-178, -5}, {-179.5, 5}}, true},
		{orb.LineString{{170, 0}, {178, 0}}, false},
	} {
		if got := b.Intersects(tt.g); got != tt.want {
			t.Errorf("%v: Intersects = %v, want %v", tt.g, got, tt.want)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	f := validFeature() // a Point at 23.6, 52.07, status closed, valid 12–25 Sep 2025
	iv, _ := geo.ParseDatetime("2025-09-14")
	late, _ := geo.ParseDatetime("2025-10-01/..")
	tests := []struct {
		name string
		q    geo.Filter
		want bool
	}{
		{"empty", geo.Filter{}, true},
		{"bbox", geo.Filter{BBox: &geo.BBox{West: 23, South: 52, East: 24, North: 53}}, true},
		{"bbox elsewhere", geo.Filter{BBox: &geo.BBox{West: 0, South: 0, East: 1, North: 1}}, false},
		{"time", geo.Filter{Time: iv}, true},
		{"time after", geo.Filter{Time: late}, false},
		{"props", geo.Filter{Props: map[string]string{"status": "closed", "country": "PL"}}, true},
		{"props, one wrong", geo.Filter{Props: map[string]string{"status": "closed", "country": "BY"}}, false},
		{"text", geo.Filter{Text: "BREST"}, true},
		{"text missing", geo.Filter{Text: "minsk"}, false},
	}
	for _, tt := range tests {
		if got := tt.q.Match(f); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}
