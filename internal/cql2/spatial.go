package cql2

import (
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// Spatial predicates are planar, in CRS84 degrees, as PostGIS computes
// them on geometry(4326). A geometry is split into its parts by
// dimension; the predicates follow the DE-9IM definitions of OGC Simple
// Features, tested on the points where boundaries meet and on the
// midpoints of the pieces between them.

func geometryValue(e Expr, f *geo.Feature) orb.Geometry {
	switch e := e.(type) {
	case Geometry:
		return e.G
	case Property:
		if e.Name == GeometryProperty {
			return geometryOf(f)
		}
	}
	return nil
}

// GeometryProperty is the name filters use for the feature's geometry.
const GeometryProperty = "geometry"

// parts is a geometry split by dimension.
type parts struct {
	pts   []orb.Point
	lines []orb.LineString
	polys []orb.Polygon
}

func split(g orb.Geometry) parts {
	var p parts
	var add func(g orb.Geometry)
	add = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			p.pts = append(p.pts, g)
		case orb.MultiPoint:
			p.pts = append(p.pts, g...)
		case orb.LineString:
			p.lines = append(p.lines, g)
		case orb.MultiLineString:
			p.lines = append(p.lines, g...)
		case orb.Polygon:
			p.polys = append(p.polys, g)
		case orb.MultiPolygon:
			p.polys = append(p.polys, g...)
		case orb.Collection:
			for _, c := range g {
				add(c)
			}
		case orb.Bound:
			p.polys = append(p.polys, g.ToPolygon())
		}
	}
	add(g)
	return p
}

func (p parts) dim() int {
	switch {
	case len(p.polys) > 0:
		return 2
	case len(p.lines) > 0:
		return 1
	}
	return 0
}

// loc is where a point lies relative to a geometry.
type loc int

const (
	exterior loc = iota
	boundary
	interior
)

// locate finds the point in the geometry: interior wins over boundary
// (a point on the boundary of one part and inside another is inside).
func (p parts) locate(pt orb.Point) loc {
	best := exterior
	for _, q := range p.pts {
		if q == pt {
			return interior
		}
	}
	for _, l := range p.lines {
		best = max(best, locateOnLine(pt, l))
	}
	for _, pg := range p.polys {
		best = max(best, locateInPolygon(pt, pg))
	}
	return best
}

func locateOnLine(pt orb.Point, l orb.LineString) loc {
	if len(l) == 0 {
		return exterior
	}
	closed := l[0] == l[len(l)-1]
	for i := 0; i+1 < len(l); i++ {
		if onSegment(pt, l[i], l[i+1]) {
			if !closed && (pt == l[0] || pt == l[len(l)-1]) {
				return boundary
			}
			return interior
		}
	}
	if len(l) == 1 && l[0] == pt {
		return interior
	}
	return exterior
}

func locateInPolygon(pt orb.Point, pg orb.Polygon) loc {
	for i, r := range pg {
		switch locateInRing(pt, r) {
		case boundary:
			return boundary
		case exterior:
			if i == 0 {
				return exterior
			}
		case interior:
			if i > 0 {
				return exterior // in a hole
			}
		}
	}
	return interior
}

// locateInRing uses the crossing number, with points on an edge found first.
func locateInRing(pt orb.Point, r orb.Ring) loc {
	in := false
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		if onSegment(pt, a, b) {
			return boundary
		}
		if (a[1] > pt[1]) != (b[1] > pt[1]) {
			x := a[0] + (pt[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if pt[0] < x {
				in = !in
			}
		}
	}
	if in {
		return interior
	}
	return exterior
}

func cross(o, a, b orb.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }

// tolerance is how far, in degrees (about a micrometre), a point may lie
// from a segment and still be on it: intersection points computed in
// floating point are rarely exactly on either segment.
const tolerance = 1e-11

func onSegment(p, a, b orb.Point) bool {
	if p == a || p == b {
		return true
	}
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return false
	}
	c := cross(a, b, p)
	if c*c > tolerance*tolerance*l2 {
		return false
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	return t >= 0 && t <= 1
}

// segmentPoints returns where segments ab and cd meet: nothing, one point,
// or the two ends of their common part when they are collinear.
func segmentPoints(a, b, c, d orb.Point) []orb.Point {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if d1 == 0 && d2 == 0 { // collinear
		var out []orb.Point
		for _, p := range []orb.Point{a, b} {
			if onSegment(p, c, d) {
				out = append(out, p)
			}
		}
		for _, p := range []orb.Point{c, d} {
			if onSegment(p, a, b) {
				out = append(out, p)
			}
		}
		return out
	}
	if ((d1 > 0) != (d2 > 0) || d1 == 0 || d2 == 0) && ((d3 > 0) != (d4 > 0) || d3 == 0 || d4 == 0) {
		if d1 == 0 && onSegment(a, c, d) {
			return []orb.Point{a}
		}
		if d2 == 0 && onSegment(b, c, d) {
			return []orb.Point{b}
		}
		if d3 == 0 && onSegment(c, a, b) {
			return []orb.Point{c}
		}
		if d4 == 0 && onSegment(d, a, b) {
			return []orb.Point{d}
		}
		if d1 == 0 || d2 == 0 || d3 == 0 || d4 == 0 {
			return nil
		}
		t := d1 / (d1 - d2)
		return []orb.Point{{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}}
	}
	return nil
}

// segments lists every segment of the lines and polygon rings.
func (p parts) segments() [][2]orb.Point {
	var out [][2]orb.Point
	addLine := func(l []orb.Point) {
		for i := 0; i+1 < len(l); i++ {
			out = append(out, [2]orb.Point{l[i], l[i+1]})
		}
	}
	for _, l := range p.lines {
		addLine(l)
	}
	for _, pg := range p.polys {
		for _, r := range pg {
			addLine(r)
		}
	}
	return out
}

// samples are the points of a that decide a relation with b: a's points
// and vertices, and on each of its segments the points where b's
// segments meet it and the midpoints between them.
func samples(a, b parts) []orb.Point {
	out := append([]orb.Point(nil), a.pts...)
	bs := b.segments()
	for _, s := range a.segments() {
		cuts := []orb.Point{s[0], s[1]}
		for _, t := range bs {
			cuts = append(cuts, segmentPoints(s[0], s[1], t[0], t[1])...)
		}
		for _, q := range b.pts {
			if onSegment(q, s[0], s[1]) {
				cuts = append(cuts, q)
			}
		}
		sortAlong(cuts, s[0])
		for i, c := range cuts {
			out = append(out, c)
			if i+1 < len(cuts) && cuts[i+1] != c {
				out = append(out, orb.Point{(c[0] + cuts[i+1][0]) / 2, (c[1] + cuts[i+1][1]) / 2})
			}
		}
	}
	for _, pg := range a.polys {
		if ip, ok := interiorPoint(pg); ok {
			out = append(out, ip)
		}
	}
	return out
}

func sortAlong(ps []orb.Point, o orb.Point) {
	d := func(p orb.Point) float64 { return (p[0]-o[0])*(p[0]-o[0]) + (p[1]-o[1])*(p[1]-o[1]) }
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && d(ps[j]) < d(ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}
