package geo

import (
	"errors"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/simplify"
)

// TileLayer is one named layer of a vector tile and the features to draw in
// it. Features are read, never changed (they may be shared with a store).
type TileLayer struct {
	Name     string
	Features []*Feature
}

// RenderOptions tune Render; the zero value is the default.
type RenderOptions struct {
	// Time, when bounded, leaves out features whose Extent does not
	// intersect it.
	Time Interval
	// At, when set, gives each feature its status at that instant
	// (StatusAt), as the items of the same datetime report it.
	At time.Time
	// MaxBytes caps the encoded tile; Render thins and simplifies harder
	// until the tile fits. 0 means MaxTileBytes.
	MaxBytes int
	// ThinAbove is how many points a layer may hold in one tile before it
	// is thinned (below ThinMaxZoom); 0 means DefaultThinAbove.
	ThinAbove int
}

// Defaults for RenderOptions and the thinning grid.
const (
	MaxTileBytes     = 500_000
	DefaultThinAbove = 500
	// ThinMaxZoom: from this zoom on points are never thinned unless the
	// tile would exceed MaxBytes.
	ThinMaxZoom = 14
	// ThinCellPixels is the side of a thinning cell in pixels of a 256-pixel
	// tile; cells are aligned on the world pixel grid so neighbouring tiles
	// agree.
	ThinCellPixels = 8
	// simplifyUnits is the Douglas-Peucker tolerance in extent units: half a
	// pixel of a 256-pixel tile, one pixel of a 512-pixel one.
	simplifyUnits = 8
	// renderLevels is how many times Render may coarsen to meet MaxBytes.
	renderLevels = 5
	// DetailZoom is the zoom from which features carry all their
	// properties; below it they carry the core ones (CoreProperties) and
	// scalars of at most slimValueBytes, so that low zooms stay small.
	DetailZoom     = 12
	slimValueBytes = 24
)

// CoreProperties are carried by every feature at every zoom.
var CoreProperties = []string{"id", "name", "status", "confidence", "valid_from", "valid_to"}

func isCore(k string) bool {
	for _, c := range CoreProperties {
		if c == k {
			return true
		}
	}
	return false
}

// ErrTileTooLarge is returned when even the coarsest rendering is over MaxBytes.
var ErrTileTooLarge = errors.New("tile too large")

// level is one set of detail settings; each level coarsens the last.
type level struct {
	tolerance float64 // Douglas-Peucker, extent units
	minArea   float64 // polygons smaller than this (extent units²) are left out
	minLength float64 // lines shorter than this are left out
	thinAbove int     // thin a point layer holding more points than this
	cellUnits int     // thinning cell side, extent units
	slim      bool    // core and short scalar properties only
}

func levelFor(n int, z maptile.Zoom, opts RenderOptions) level {
	thinAbove := opts.ThinAbove
	if thinAbove <= 0 {
		thinAbove = DefaultThinAbove
	}
	if z >= ThinMaxZoom {
		thinAbove = math.MaxInt
	}
	l := level{tolerance: simplifyUnits, thinAbove: thinAbove, cellUnits: ThinCellPixels * TileExtent / 256,
		minArea: simplifyUnits * simplifyUnits, minLength: simplifyUnits, slim: z < DetailZoom}
	for i := 0; i < n; i++ {
		l.tolerance *= 2
		l.minArea = l.tolerance * l.tolerance
		l.minLength = l.tolerance
		l.thinAbove = 0
		l.cellUnits *= 2
		l.slim = true
	}
	return l
}

// Render encodes the layers as one Mapbox Vector Tile 2.1 (extent 4096,
// not gzipped). Geometry is cloned, clipped to the tile plus a 64-unit
// buffer, projected, simplified to about a pixel, and anything empty or
// degenerate is left out; dense point layers are thinned to one point per
// grid cell carrying a "count" (small polygons and lines too, when a
// layer is dense). Render returns nil when nothing is left.
func Render(layers []TileLayer, t maptile.Tile, opts RenderOptions) ([]byte, error) {
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = MaxTileBytes
	}
	at := opts.At
	for n := 0; n < renderLevels; n++ {
		lv := levelFor(n, t.Z, opts)
		out := make([]tileLayer, 0, len(layers))
		for _, l := range layers {
			if tl := renderLayer(l, t, lv, opts.Time, at); len(tl.geoms) > 0 {
				out = append(out, tl)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		if data := encodeTile(out); len(data) <= maxBytes {
			return data, nil
		}
	}
	return nil, ErrTileTooLarge
}

// renderLayer takes the layer's features to tile coordinates: points
// here (projected, and dropped outside the tile's buffer, as orb's
// pipeline would), lines and polygons through orb's geometry pipeline
// (projection, clipping, simplification), each geojson.Feature carrying
// as its ID the index of the feature it draws. The properties are read
// when the tile is encoded.
func renderLayer(l TileLayer, t maptile.Tile, lv level, when Interval, at time.Time) tileLayer {
	scale := float64(uint64(1)<<t.Z) * TileExtent
	small, large := make([]*Feature, 0, len(l.Features)), []*Feature(nil)
	for _, f := range l.Features {
		if f.Geometry() == nil || (!when.Unbounded() && !f.Extent().Intersects(when)) {
			continue
		}
		if isSmall(f.Geometry(), scale, lv.cellUnits) {
			small = append(small, f)
		} else {
			large = append(large, f)
		}
	}
	var counts map[*Feature]int
	if len(small) > lv.thinAbove {
		small, counts = thin(small, t, lv.cellUnits)
	}
	feats := make([]tileFeat, 0, len(small)+len(large))
	geoms := make([]tileGeom, 0, cap(feats))
	var ml mvt.Layer // the lines and polygons
	bound, toTile := TileBound(t), tileProjection(t)
	for _, list := range [][]*Feature{small, large} {
		for _, f := range list {
			i := len(feats)
			feats = append(feats, tileFeat{f: f, count: counts[f]})
			switch g := f.Geometry().(type) {
			case orb.Point:
				if p := toTile(g); inBuffer(p) {
					geoms = append(geoms, tileGeom{feat: i, pt: p})
				}
			default:
				// Clip in degrees first so only what is near the tile gets
				// projected; clip works in place, hence the clone.
				if g := clip.Geometry(bound, orb.Clone(g)); g != nil && !isEmpty(g) {
					ml.Features = append(ml.Features, &geojson.Feature{Geometry: g, ID: i})
				}
			}
		}
	}
	return tileLayer{name: l.Name, geoms: withShapes(geoms, &ml, t, lv), feats: feats, at: at, slim: lv.slim}
}

// withShapes takes the lines and polygons of ml through orb's pipeline
// and merges what is left of them into geoms, in feature order.
func withShapes(geoms []tileGeom, ml *mvt.Layer, t maptile.Tile, lv level) []tileGeom {
	if len(ml.Features) == 0 {
		return geoms
	}
	ml.Extent = TileExtent
	ml.ProjectToTile(t)
	ml.Clip(orb.Bound{Min: orb.Point{-TileBuffer, -TileBuffer}, Max: orb.Point{TileExtent + TileBuffer, TileExtent + TileBuffer}})
	ml.Simplify(simplify.DouglasPeucker(lv.tolerance))
	shapes := make([]tileGeom, 0, len(ml.Features))
	for _, gf := range ml.Features {
		if g := cleanGeometry(gf.Geometry, lv); g != nil {
			shapes = append(shapes, tileGeom{feat: gf.ID.(int), g: g})
		}
	}
	out := make([]tileGeom, 0, len(geoms)+len(shapes))
	for len(geoms) > 0 && len(shapes) > 0 {
		if geoms[0].feat < shapes[0].feat {
			out, geoms = append(out, geoms[0]), geoms[1:]
		} else {
			out, shapes = append(out, shapes[0]), shapes[1:]
		}
	}
	return append(append(out, geoms...), shapes...)
}

// tileProjection is orb's projection to t's coordinates (for an extent
// that is a power of two): the same arithmetic, so a point lands where
// orb's pipeline puts it.
func tileProjection(t maptile.Tile) func(orb.Point) orb.Point {
	n := uint32(bits.TrailingZeros32(TileExtent))
	z := uint32(t.Z) + n
	maxtiles := float64(uint64(1) << z)
	minx, miny := float64(uint64(t.X)<<n), float64(uint64(t.Y)<<n)
	return func(p orb.Point) orb.Point {
		x := (p[0]/360.0 + 0.5) * maxtiles
		var y float64
		switch siny := math.Sin(p[1] * math.Pi / 180.0); {
		case siny > 0.9999:
			y = 0
		case siny < -0.9999:
			y = maxtiles - 1
		default:
			y = (0.5 + 0.5*math.Log((1.0+siny)/(1.0-siny))/(-2*math.Pi)) * maxtiles
		}
		return orb.Point{math.Floor(x - minx), math.Floor(y - miny)}
	}
}

// inBuffer reports whether a point in tile coordinates lies within the
// tile and its buffer (edges included, as orb's clip keeps them).
func inBuffer(p orb.Point) bool {
	const lo, hi = -TileBuffer, TileExtent + TileBuffer
	return lo <= p[0] && p[0] <= hi && lo <= p[1] && p[1] <= hi
}

// isSmall reports whether the geometry fits in one thinning cell at this
// zoom: points always, lines and polygons when their box does.
func isSmall(g orb.Geometry, scale float64, cellUnits int) bool {
	if _, ok := g.(orb.Point); ok {
		return true
	}
	b := g.Bound()
	x0, y0 := mercatorUnits(b.Min, scale)
	x1, y1 := mercatorUnits(b.Max, scale)
	return x1-x0 < float64(cellUnits) && y0-y1 < float64(cellUnits)
}

// anchor is where a small feature sits for thinning: the point, or the
// centre of the box.
func anchor(g orb.Geometry) orb.Point {
	if p, ok := g.(orb.Point); ok {
		return p
	}
	return g.Bound().Center()
}

// thin keeps one small feature per grid cell of the tile (the one with the
// lowest id, so the choice does not depend on store order) and counts the
// features each stands for. Features anchored in the buffer are dropped:
// their cells belong to the neighbouring tile.
func thin(fs []*Feature, t maptile.Tile, cellUnits int) ([]*Feature, map[*Feature]int) {
	type cell struct {
		rep   *Feature
		count int
	}
	// The grid is small (32 × 32 cells at the first level), so a cell is
	// found by its index rather than hashed.
	side := (TileExtent + cellUnits - 1) / cellUnits
	grid := make([]int32, side*side) // 1 + the cell's index in cells; 0: none yet
	var cells []cell                 // in the order they were first met
	scale := float64(uint64(1)<<t.Z) * TileExtent
	rows := rowLatitudes(t, cellUnits, side)
	for _, f := range fs {
		p := anchor(f.Geometry())
		x := (p[0]+180)/360*scale - float64(t.X)*TileExtent
		// The rows run south from the first latitude that is not above p.
		lat := math.Max(-MaxLatitude, math.Min(MaxLatitude, p[1]))
		row := sort.Search(len(rows), func(i int) bool { return rows[i] < lat }) - 1
		if x < 0 || x >= TileExtent || row < 0 || row >= side {
			continue
		}
		k := row*side + int(x)/cellUnits
		if grid[k] == 0 {
			cells = append(cells, cell{rep: f, count: 1})
			grid[k] = int32(len(cells))
			continue
		}
		c := &cells[grid[k]-1]
		c.count++
		if f.ID() < c.rep.ID() {
			c.rep = f
		}
	}
	out := make([]*Feature, 0, len(cells))
	counts := make(map[*Feature]int, len(cells))
	for _, c := range cells {
		out = append(out, c.rep)
		counts[c.rep] = c.count
	}
	return out, counts
}

// rowLatitudes are the latitudes of the northern edges of a tile's rows
// of cells, north to south, and of its southern edge: a feature's row is
// found among them, without projecting it (a logarithm and a sine, which
// were a tenth of what rendering a tile of points cost).
func rowLatitudes(t maptile.Tile, cellUnits, side int) []float64 {
	scale := float64(uint64(1)<<t.Z) * TileExtent
	lat := func(y int) float64 {
		n := math.Pi * (1 - 2*(float64(t.Y)*TileExtent+float64(y))/scale)
		return math.Atan(math.Sinh(n)) * 180 / math.Pi
	}
	rows := make([]float64, 0, side+1)
	for i := range side {
		rows = append(rows, lat(i*cellUnits))
	}
	return append(rows, lat(TileExtent))
}

// mercatorUnits projects to Web Mercator world coordinates where the world
// is scale units wide, y growing southwards.
func mercatorUnits(p orb.Point, scale float64) (float64, float64) {
	lat := math.Max(-MaxLatitude, math.Min(MaxLatitude, p[1]))
	x := (p[0] + 180) / 360 * scale
	s := math.Sin(lat * math.Pi / 180)
	y := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * scale
	return x, y
}

// FeatureNumber is the feature's numeric MVT id: FNV-64a of layer/id, cut
// to 53 bits so that JavaScript clients read it exactly.
func FeatureNumber(layer string, f *Feature) uint64 {
	// FNV-64a by hand: hash/fnv would copy both strings to bytes.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, s := range [...]string{layer, "/", f.ID()} {
		for i := 0; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * prime
		}
	}
	return h & (1<<53 - 1)
}

// tileProps appends to ps (empty) the properties f carries into a tile,
// in key order: its own (the core ones and short scalars only, when
// slim), its id, and its status at at when at is set.
func tileProps(ps []tileProp, f *Feature, at time.Time, slim bool) []tileProp {
	// The values are read in place: a tile holds thousands of features,
	// and a copy of every value was most of what encoding one cost.
	for k, raw := range f.rawProps() {
		if slim && !isCore(k) && (len(raw) > slimValueBytes || len(raw) > 0 && (raw[0] == '{' || raw[0] == '[')) {
			continue
		}
		if v, ok := tileValue(raw); ok {
			ps = append(ps, tileProp{k, v})
		}
	}
	// Properties come in the order of their keys' JSON text, which escapes
	// can make differ from the keys'.
	slices.SortStableFunc(ps, func(a, b tileProp) int { return strings.Compare(a.key, b.key) })
	ps = setProp(ps, "id", tileVal{kind: valString, s: f.ID()})
	if !at.IsZero() {
		if s := f.StatusAt(at); s != "" {
			ps = setProp(ps, "status", tileVal{kind: valString, s: s})
		}
	}
	return ps
}

// tileValue turns a property's JSON value (compact, as every feature
// holds them) into an MVT value: strings, numbers (integers as int64) and
// booleans as they are, objects and arrays as their JSON text; null is
// left out.
func tileValue(raw string) (tileVal, bool) {
	if len(raw) == 0 {
		return tileVal{}, false
	}
	switch raw[0] {
	case '"':
		s, ok := decodeString(raw)
		return tileVal{kind: valString, s: s}, ok
	case 't':
		return tileVal{kind: valBool, i: 1}, true
	case 'f':
		return tileVal{kind: valBool}, true
	case 'n':
		return tileVal{}, false
	case '{', '[':
		return tileVal{kind: valString, s: raw}, true
	}
	if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
		return tileVal{kind: valInt64, i: i}, true
	}
	if v, err := strconv.ParseFloat(raw, 64); err == nil {
		return tileVal{kind: valDouble, f: v}, true
	}
	return tileVal{}, false
}

// cleanGeometry drops repeated vertices, degenerate rings and parts, and
// parts under the level's size limits, and orients polygon rings as MVT
// wants them (exterior positive area in tile coordinates, holes negative).
// It returns nil when nothing is left.
func cleanGeometry(g orb.Geometry, lv level) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.MultiPoint:
		if len(g) == 0 {
			return nil
		}
		return g
	case orb.LineString:
		if ls := cleanLine(g, lv); ls != nil {
			return ls
		}
	case orb.MultiLineString:
		if out := cleanParts(g, lv, cleanLine); len(out) > 1 {
			return orb.MultiLineString(out)
		} else if len(out) == 1 {
			return out[0]
		}
	case orb.Polygon:
		if p := cleanPolygon(g, lv); p != nil {
			return p
		}
	case orb.MultiPolygon:
		if out := cleanParts(g, lv, cleanPolygon); len(out) > 1 {
			return orb.MultiPolygon(out)
		} else if len(out) == 1 {
			return out[0]
		}
	}
	return nil
}

func dedupe(ls []orb.Point) []orb.Point {
	if len(ls) == 0 {
		return ls
	}
	out := ls[:1]
	for _, p := range ls[1:] {
		if p != out[len(out)-1] {
			out = append(out, p)
		}
	}
	return out
}

// cleanParts cleans each part of a multi-geometry in place and keeps those
// that are left.
func cleanParts[P ~[]E, E any](parts []P, lv level, clean func(P, level) P) []P {
	out := parts[:0]
	for _, p := range parts {
		if p = clean(p, lv); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func cleanLine(ls orb.LineString, lv level) orb.LineString {
	ls = orb.LineString(dedupe(ls))
	if len(ls) < 2 || lineLength(ls) < lv.minLength {
		return nil
	}
	return ls
}

func lineLength(ls orb.LineString) float64 {
	var d float64
	for i := 1; i < len(ls); i++ {
		d += math.Hypot(ls[i][0]-ls[i-1][0], ls[i][1]-ls[i-1][1])
	}
	return d
}

func cleanPolygon(p orb.Polygon, lv level) orb.Polygon {
	out := p[:0]
	for i, r := range p {
		r = orb.Ring(dedupe(r))
		if len(r) > 0 && r[0] != r[len(r)-1] {
			r = append(r, r[0])
		}
		a := ringArea(r)
		if len(r) < 4 || a == 0 || math.Abs(a) < lv.minArea {
			if i == 0 {
				return nil // no exterior, no polygon
			}
			continue
		}
		if (i == 0) != (a > 0) {
			r.Reverse()
		}
		out = append(out, r)
	}
	return out
}

// ringArea is the signed surveyor's area: positive for rings that run
// clockwise on screen (y down), which MVT wants for exteriors.
func ringArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// Tile geometry constants shared by rendering, the HTTP layer and TileJSON.
const (
	// MaxZoom is the deepest zoom served (WebMercatorQuad 0–22).
	MaxZoom = 22
	// TileExtent is the MVT coordinate extent of a tile.
	TileExtent = 4096
	// TileBuffer is how far, in extent units, geometry runs past the tile
	// edge so that lines and outlines join up across tiles.
	TileBuffer = 64
	// MaxLatitude is the latitude limit of Web Mercator.
	MaxLatitude = 85.0511287798066
)

// ParseTile reads z, x and y path values. Errors are ValidationErrors that
// name the field that is not a number or out of range for its zoom.
func ParseTile(z, x, y string) (maptile.Tile, error) {
	zv, err := strconv.ParseUint(z, 10, 8)
	if err != nil || zv > MaxZoom {
		return maptile.Tile{}, invalid("z", "%q is not a zoom level from 0 to %d", z, MaxZoom)
	}
	n := uint64(1) << zv
	xv, err := strconv.ParseUint(x, 10, 32)
	if err != nil || xv >= n {
		return maptile.Tile{}, invalid("x", "%q is not a column from 0 to %d at zoom %d", x, n-1, zv)
	}
	yv, err := strconv.ParseUint(y, 10, 32)
	if err != nil || yv >= n {
		return maptile.Tile{}, invalid("y", "%q is not a row from 0 to %d at zoom %d", y, n-1, zv)
	}
	return maptile.New(uint32(xv), uint32(yv), maptile.Zoom(zv)), nil
}

// TileBound is the tile's bound in longitude and latitude, grown by the
// render buffer and clamped to the range Web Mercator can draw.
func TileBound(t maptile.Tile) orb.Bound {
	b := t.Bound(float64(TileBuffer) / TileExtent)
	b.Min[0] = math.Max(b.Min[0], -180)
	b.Max[0] = math.Min(b.Max[0], 180)
	b.Min[1] = math.Max(b.Min[1], -MaxLatitude)
	b.Max[1] = math.Min(b.Max[1], MaxLatitude)
	return b
}

// TileBBox is TileBound as a query box for Store.Query.
func TileBBox(t maptile.Tile) BBox {
	b := TileBound(t)
	return BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
}
