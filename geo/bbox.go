package geo

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// BBox is a query box in CRS84. West > East means it crosses the
// antimeridian.
type BBox struct {
	West, South, East, North float64
}

// ParseBBox reads "w,s,e,n" or "w,s,zmin,e,n,zmax" (heights are ignored).
func ParseBBox(s string) (BBox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return BBox{}, invalid("bbox", "needs 4 or 6 comma-separated numbers, got %d", len(parts))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return BBox{}, invalid("bbox", "%q is not a number", p)
		}
		v[i] = f
	}
	if len(v) == 6 {
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	b := BBox{West: v[0], South: v[1], East: v[2], North: v[3]}
	return b, b.validate()
}

func (b BBox) validate() error {
	for _, lon := range []float64{b.West, b.East} {
		if lon < -180 || lon > 180 {
			return invalid("bbox", "longitude %v is outside [-180, 180]", lon)
		}
	}
	for _, lat := range []float64{b.South, b.North} {
		if lat < -90 || lat > 90 {
			return invalid("bbox", "latitude %v is outside [-90, 90]", lat)
		}
	}
	if b.South > b.North {
		return invalid("bbox", "south %v is greater than north %v", b.South, b.North)
	}
	return nil
}

// Bounds splits the box at the antimeridian: one bound, or two when it
// crosses it.
func (b BBox) Bounds() []orb.Bound {
	if b.West <= b.East {
		return []orb.Bound{{Min: orb.Point{b.West, b.South}, Max: orb.Point{b.East, b.North}}}
	}
	return []orb.Bound{
		{Min: orb.Point{b.West, b.South}, Max: orb.Point{180, b.North}},
		{Min: orb.Point{-180, b.South}, Max: orb.Point{b.East, b.North}},
	}
}

// Intersects reports whether the geometry touches the box: the bounding
// boxes are the candidates, the clipped geometry decides.
func (b BBox) Intersects(g orb.Geometry) bool {
	for _, bound := range b.Bounds() {
		if IntersectsBound(g, bound) {
			return true
		}
	}
	return false
}

// IntersectsBound is the exact test of a geometry against one bound.
func IntersectsBound(g orb.Geometry, b orb.Bound) bool {
	gb := g.Bound()
	if !gb.Intersects(b) {
		return false
	}
	if p, ok := g.(orb.Point); ok {
		return b.Contains(p)
	}
	if b.Contains(gb.Min) && b.Contains(gb.Max) {
		return true
	}
	switch g := g.(type) {
	case orb.MultiPoint:
		for _, p := range g {
			if b.Contains(p) {
				return true
			}
		}
		return false
	case orb.Polygon:
		return polygonIntersects(g, b)
	case orb.MultiPolygon:
		for _, p := range g {
			if p.Bound().Intersects(b) && polygonIntersects(p, b) {
				return true
			}
		}
		return false
	}
	// Lines cross the box, or polygons hold a corner of it or cross it,
	// exactly when something is left after clipping.
	c := clip.Geometry(b, orb.Clone(g))
	return c != nil && !isEmpty(c)
}

// polygonIntersects: a polygon meets the box when one of its rings does,
// or else when the box lies inside it (and so not in a hole). Clipping the
// polygon would keep a box that lies wholly in a hole.
func polygonIntersects(p orb.Polygon, b orb.Bound) bool {
	for _, r := range p {
		if r.Bound().Intersects(b) && len(clip.LineString(b, orb.LineString(r))) > 0 {
			return true
		}
	}
	return planar.PolygonContains(p, b.Center())
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0 || len(g[0]) == 0
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.MultiPoint:
		return len(g) == 0
	}
	return false
}
