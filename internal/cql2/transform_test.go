package cql2_test

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/internal/cql2"
)

// TestTransform: geometry literals are converted, a BBOX densified, the
// rest of the tree kept.
func TestTransform(t *testing.T) {
	e, err := cql2.ParseText("country = 'PL' AND NOT S_INTERSECTS(geometry, BBOX(0, 0, 2, 2)) OR S_WITHIN(geometry, POINT(1 2))")
	if err != nil {
		t.Fatal(err)
	}
	shift := func(p orb.Point) orb.Point { return orb.Point{p[0] + 10, p[1] + 20} }
	got := cql2.Transform(e, shift).String()
	back, err := cql2.ParseText(got)
	if err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	b, ok := cql2.Bound(back.(cql2.Logical).Args[1])
	if !ok || b.Min != (orb.Point{11, 22}) {
		t.Errorf("point moved to %v (%v) in %s", b.Min, ok, got)
	}
	box := cql2.Transform(e, shift).(cql2.Logical).Args[0].(cql2.Logical).Args[1].(cql2.Not).Arg.(cql2.Spatial).R.(cql2.Geometry)
	if ring := box.G.(orb.Polygon)[0]; len(ring) != 65 || ring.Bound() != (orb.Bound{Min: orb.Point{10, 20}, Max: orb.Point{12, 22}}) {
		t.Errorf("box: %d points, bound %v", len(ring), ring.Bound())
	}
	if !strings.Contains(e.String(), "BBOX(0, 0, 2, 2)") || !strings.Contains(e.String(), "POINT(1 2)") {
		t.Errorf("the original tree changed: %s", e)
	}
}
