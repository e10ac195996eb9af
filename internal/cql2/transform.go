package cql2

import "github.com/paulmach/orb"

// Transform returns the filter with every geometry literal converted by
// fn (filter-crs: from the filter's CRS to CRS84); the rest of the tree is
// shared. A BBOX is densified first, 16 points an edge, as a box in a
// projected system has curved edges in CRS84.
func Transform(e Expr, fn func(orb.Point) orb.Point) Expr {
	t := func(x Expr) Expr { return Transform(x, fn) }
	switch e := e.(type) {
	case Geometry:
		g := e.G
		if e.IsBBox {
			g = densify(g.Bound())
		}
		return Geometry{G: mapPoints(g, fn)}
	case Logical:
		args := make([]Expr, len(e.Args))
		for i, a := range e.Args {
			args[i] = t(a)
		}
		return Logical{Op: e.Op, Args: args}
	case Not:
		return Not{Arg: t(e.Arg)}
	case Spatial:
		return Spatial{Op: e.Op, L: t(e.L), R: t(e.R)}
	}
	// Only spatial functions hold geometries (check rejects them elsewhere).
	return e
}

func densify(b orb.Bound) orb.Polygon {
	const n = 16
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	ring := orb.Ring{}
	for i := 0; i+1 < len(corners); i++ {
		p, q := corners[i], corners[i+1]
		for k := 0; k < n; k++ {
			f := float64(k) / n
			ring = append(ring, orb.Point{p[0] + f*(q[0]-p[0]), p[1] + f*(q[1]-p[1])})
		}
	}
	return orb.Polygon{append(ring, b.Min)}
}

// mapPoints converts a geometry point by point into a new one.
func mapPoints(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	line := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for i, p := range ps {
			out[i] = fn(p)
		}
		return out
	}
	poly := func(pg orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(pg))
		for i, r := range pg {
			out[i] = line(r)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.MultiPoint:
		return orb.MultiPoint(line(g))
	case orb.LineString:
		return orb.LineString(line(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = line(l)
		}
		return out
	case orb.Polygon:
		return poly(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, pg := range g {
			out[i] = poly(pg)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = mapPoints(c, fn)
		}
		return out
	}
	return g
}
