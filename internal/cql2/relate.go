package cql2

import (
	"slices"

	"github.com/paulmach/orb"
)

// spatial applies an S_ function to two geometries.
func spatial(op string, ga, gb orb.Geometry) bool {
	if !ga.Bound().Pad(tolerance).Intersects(gb.Bound()) {
		return op == "s_disjoint"
	}
	r := relate(split(ga), split(gb))
	switch op {
	case "s_intersects":
		return r.intersects
	case "s_disjoint":
		return !r.intersects
	case "s_equals":
		return r.aInB && r.bInA
	case "s_within":
		return r.aInB && r.interiors
	case "s_contains":
		return r.bInA && r.interiors
	case "s_touches":
		return r.intersects && !r.interiors
	case "s_overlaps":
		return r.da == r.db && r.interiors && !r.aInB && !r.bInA && (r.da != 1 || r.lineOverlap)
	case "s_crosses":
		switch {
		case r.da == 1 && r.db == 1:
			return r.interiors && !r.lineOverlap
		case r.da < r.db:
			return r.interiors && r.aOutB
		case r.da > r.db:
			return r.interiors && r.bOutA
		}
	}
	return false
}

// relation is what the predicates need of the DE-9IM matrix of a and b.
type relation struct {
	da, db       int
	intersects   bool
	interiors    bool // the interiors meet
	aInB, bInA   bool // a lies in the closure of b, and the reverse
	aOutB, bOutA bool // some interior point of a lies outside b, and the reverse
	lineOverlap  bool // two segments share a piece of positive length
}

func relate(a, b parts) relation {
	r := relation{da: a.dim(), db: b.dim(), aInB: true, bInA: true}
	side := func(x, y parts, dimY int, xInY, xOutY *bool) {
		for _, p := range samples(x, y) {
			lx, ly := x.locate(p), y.locate(p)
			if ly != exterior {
				r.intersects = true
			}
			if ly == interior && (lx == interior || (lx == boundary && dimY == 2)) {
				r.interiors = true
			}
			if ly == exterior {
				*xInY = false
				if lx == interior {
					*xOutY = true
				}
			}
		}
	}
	side(a, b, r.db, &r.aInB, &r.aOutB)
	side(b, a, r.da, &r.bInA, &r.bOutA)
	// A boundary of one inside the interior of the other means the other
	// reaches beyond it (a hole of b inside a, say).
	if r.da == 2 && r.db == 2 {
		for _, p := range samples(b, a) {
			if b.locate(p) == boundary && a.locate(p) == interior {
				r.aInB = false
			}
		}
		for _, p := range samples(a, b) {
			if a.locate(p) == boundary && b.locate(p) == interior {
				r.bInA = false
			}
		}
	}
	r.lineOverlap = overlapping(a, b)
	return r
}

// overlapping reports whether a segment of a and one of b are collinear
// and share more than a point.
func overlapping(a, b parts) bool {
	bs := b.segments()
	for _, s := range a.segments() {
		for _, t := range bs {
			if ps := segmentPoints(s[0], s[1], t[0], t[1]); len(ps) >= 2 && slices.ContainsFunc(ps[1:], func(p orb.Point) bool { return p != ps[0] }) {
				return true
			}
		}
	}
	return false
}

// interiorPoint finds a point strictly inside the polygon: the middle of
// the widest span of a horizontal line through it.
func interiorPoint(pg orb.Polygon) (orb.Point, bool) {
	if len(pg) == 0 || len(pg[0]) < 4 {
		return orb.Point{}, false
	}
	b := pg[0].Bound()
	for _, f := range []float64{0.5, 0.3141, 0.7182, 0.1234, 0.8765} {
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		var xs []float64
		for _, r := range pg {
			for i := 0; i+1 < len(r); i++ {
				p, q := r[i], r[i+1]
				if (p[1] > y) != (q[1] > y) {
					xs = append(xs, p[0]+(y-p[1])*(q[0]-p[0])/(q[1]-p[1]))
				}
			}
		}
		slices.Sort(xs)
		best, bw := orb.Point{}, 0.0
		for i := 0; i+1 < len(xs); i += 2 {
			if w := xs[i+1] - xs[i]; w > bw {
				best, bw = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
			}
		}
		if bw > 0 && locateInPolygon(best, pg) == interior {
			return best, true
		}
	}
	return orb.Point{}, false
}

func forEachPoint(g orb.Geometry, fn func(orb.Point)) {
	p := split(g)
	for _, q := range p.pts {
		fn(q)
	}
	for _, l := range p.lines {
		for _, q := range l {
			fn(q)
		}
	}
	for _, pg := range p.polys {
		for _, r := range pg {
			for _, q := range r {
				fn(q)
			}
		}
	}
}
