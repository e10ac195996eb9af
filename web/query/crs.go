package query

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/web/api"
)

// CRSConformance is OGC API – Features Part 2, CRS by reference.
const CRSConformance = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"

var CRSSchema = map[string]any{"type": "string", "format": "uri", "enum": crs.URIs(), "default": crs.CRS84}

// CRSParam selects the CRS of the coordinates in a response.
var CRSParam = api.Param{Name: "crs", In: "query",
	Description: "CRS of the response's coordinates, as a URI from the collection's crs list; coordinates are in that CRS's axis order (latitude first for EPSG:4326, northing first for EPSG:2180, 3346 and 3059). Default CRS84.",
	Schema:      CRSSchema}

// BBoxCRSParam is the CRS the bbox is given in.
var BBoxCRSParam = api.Param{Name: "bbox-crs", In: "query",
	Description: "CRS of the bbox numbers, as a URI from the collection's crs list, in that CRS's axis order (minimum corner first). Default CRS84.",
	Schema:      CRSSchema}

var ContentCRSParam = api.Param{Name: "Content-Crs", In: "header",
	Description: "CRS of the body's coordinates, as a URI in angle brackets; default CRS84.",
	Schema:      map[string]any{"type": "string"}}

// LookupCRS finds the CRS a parameter or header names; 400 naming it for
// one that is not offered.
func LookupCRS(name, val string) (*crs.CRS, error) {
	c, ok := crs.Lookup(val)
	if !ok {
		return nil, api.BadRequest(name, fmt.Sprintf("%s=%q is not offered: use one of %s", name, val, strings.Join(crs.URIs(), ", ")))
	}
	return c, nil
}

// BBoxCRS is the CRS a query's bbox is given in; nil for CRS84.
func BBoxCRS(v url.Values) (*crs.CRS, error) {
	vals := v["bbox-crs"]
	if len(vals) == 0 {
		return nil, nil
	}
	return LookupCRS("bbox-crs", vals[0])
}

// ContentCRS is the CRS of a write's body: the Content-Crs header
// ("<uri>", the brackets optional), CRS84 without it.
func ContentCRS(r *http.Request) (*crs.CRS, error) {
	h := strings.TrimSpace(r.Header.Get("Content-Crs"))
	if h == "" {
		return crs.All()[0], nil
	}
	return LookupCRS("Content-Crs", strings.TrimSuffix(strings.TrimPrefix(h, "<"), ">"))
}

// SetContentCRS sets the Content-Crs header of a response with features;
// nil is CRS84, which write responses use whatever the body came in.
func SetContentCRS(w http.ResponseWriter, c *crs.CRS) {
	if c == nil {
		c = crs.All()[0]
	}
	w.Header().Set("Content-Crs", "<"+c.URI+">")
}

// reproject converts a geometry, never changing its argument (features
// from the store are shared).
func reproject(g orb.Geometry, fn func(a, b float64) (float64, float64)) orb.Geometry {
	if g == nil {
		return nil
	}
	return project.Geometry(orb.Clone(g), func(p orb.Point) orb.Point {
		x, y := fn(p[0], p[1])
		return orb.Point{x, y}
	})
}

// InCRS is the feature with its coordinates in c; the feature itself
// when c is CRS84.
func InCRS(f *geo.Feature, c *crs.CRS) (*geo.Feature, error) {
	if c == nil || c.IsCRS84() {
		return f, nil
	}
	return f.WithGeometry(reproject(f.Geometry(), c.FromCRS84))
}

// FromCRS converts features whose coordinates are in c to CRS84.
func FromCRS(fs []*geo.Feature, c *crs.CRS) ([]*geo.Feature, error) {
	if c.IsCRS84() {
		return fs, nil
	}
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		g, err := f.WithGeometry(reproject(f.Geometry(), c.ToCRS84))
		if err != nil {
			return nil, err
		}
		out[i] = g
	}
	return out, nil
}

// ToCRS84 converts the features of a write body from its Content-Crs.
func ToCRS84(r *http.Request, fs []*geo.Feature) ([]*geo.Feature, error) {
	in, err := ContentCRS(r)
	if err != nil {
		return nil, err
	}
	return FromCRS(fs, in)
}

// BBoxIn reads a bbox given in c (minimum corner first, in c's axis
// order) and returns the CRS84 box that covers it: the edges are followed
// point by point, as the edges of a projected box are curves in CRS84.
func BBoxIn(val string, c *crs.CRS) (geo.BBox, error) {
	if c == nil || c.IsCRS84() {
		b, err := geo.ParseBBox(val)
		return b, asParam("bbox", err)
	}
	parts := strings.Split(val, ",")
	if len(parts) != 4 {
		return geo.BBox{}, api.BadRequest("bbox", fmt.Sprintf("bbox=%q: with bbox-crs %s give 4 numbers", val, c.URI))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return geo.BBox{}, api.BadRequest("bbox", fmt.Sprintf("bbox=%q: %q is not a number", val, p))
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] {
		return geo.BBox{}, api.BadRequest("bbox", fmt.Sprintf("bbox=%q: the first corner must be the minimum in %s", val, c.URI))
	}
	const steps = 32
	b := geo.BBox{West: math.Inf(1), South: math.Inf(1), East: math.Inf(-1), North: math.Inf(-1)}
	for i := 0; i <= steps; i++ {
		t := float64(i) / steps
		a, bb := v[0]+t*(v[2]-v[0]), v[1]+t*(v[3]-v[1])
		for _, p := range [][2]float64{{a, v[1]}, {a, v[3]}, {v[0], bb}, {v[2], bb}} {
			lon, lat := c.ToCRS84(p[0], p[1])
			b.West, b.East = math.Min(b.West, lon), math.Max(b.East, lon)
			b.South, b.North = math.Min(b.South, lat), math.Max(b.North, lat)
		}
	}
	b.West, b.East = math.Max(b.West, -180), math.Min(b.East, 180)
	b.South, b.North = math.Max(b.South, -90), math.Min(b.North, 90)
	if math.IsNaN(b.West+b.South+b.East+b.North) || b.West > b.East || b.South > b.North {
		return geo.BBox{}, api.BadRequest("bbox", fmt.Sprintf("bbox=%q lies outside the area %s covers", val, c.URI))
	}
	return b, nil
}
