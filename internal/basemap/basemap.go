package basemap

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/sitmap/sitmap/geo"
)

// LayerOrder is the drawing order of the layers the asset's "layer"
// property names; layers not listed come after, by name.
var LayerOrder = []string{"land", "water", "rivers", "coastline", "boundaries", "labels"}

// MaxZoom is the deepest zoom the data has detail for (Natural Earth
// 1:10m); clients overzoom past it.
const MaxZoom = 10

// Attribution credits the sources of the basemap.
const Attribution = "Natural Earth (public domain); GeoNames (CC BY 4.0)"

// Layer is one basemap layer and its spatial index.
type Layer struct {
	Name string
	// Fields maps each property to "string" or "number", for TileJSON.
	Fields map[string]string
	// Geometries are the GeoJSON geometry types the layer holds.
	Geometries map[string]bool
	features   []*geo.Feature
	bounds     []orb.Bound
	cells      map[[2]int][]int32 // one-degree cell → feature indexes
	big        []int32            // features spanning too many cells to index
}

// Basemap is the loaded asset. It is read-only and safe for concurrent use.
type Basemap struct {
	Layers []*Layer
	Bound  orb.Bound
}

// bigCells: a feature spanning more cells than this is tested on every
// query instead of being listed in each cell.
const bigCells = 400

// LoadGzip reads the gzipped GeoJSON FeatureCollection of the asset.
func LoadGzip(r io.Reader) (*Basemap, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	defer zr.Close()
	return Load(zr)
}

// Load reads a GeoJSON FeatureCollection whose features each name their
// layer in the "layer" property.
func Load(r io.Reader) (*Basemap, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	// orb decodes in one pass, about three times as fast as decoding each
	// feature with geo.DecodeFeature; the asset is ours and built by a
	// make target, so its features need no validation beyond this.
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("basemap: %w", err)
	}
	byName := map[string]*Layer{}
	b := &Basemap{}
	for i, gf := range fc.Features {
		name, _ := gf.Properties["layer"].(string)
		if name == "" {
			return nil, fmt.Errorf("basemap: feature %d has no layer property", i)
		}
		if gf.Geometry == nil {
			return nil, fmt.Errorf("basemap: feature %d has no geometry", i)
		}
		props := make(map[string]json.RawMessage, len(gf.Properties))
		for k, v := range gf.Properties {
			if k == "layer" || v == nil {
				continue
			}
			if props[k], err = json.Marshal(v); err != nil {
				return nil, fmt.Errorf("basemap: feature %d: %s: %w", i, k, err)
			}
		}
		l := byName[name]
		if l == nil {
			l = &Layer{Name: name, Fields: map[string]string{}, Geometries: map[string]bool{}, cells: map[[2]int][]int32{}}
			byName[name] = l
			b.Layers = append(b.Layers, l)
		}
		f, err := geo.NewFeature(name+"-"+strconv.Itoa(len(l.features)), gf.Geometry, props)
		if err != nil {
			return nil, fmt.Errorf("basemap: feature %d: %w", i, err)
		}
		l.Geometries[gf.Geometry.GeoJSONType()] = true
		l.add(f)
		if i == 0 {
			b.Bound = f.Bound()
		} else {
			b.Bound = b.Bound.Union(f.Bound())
		}
	}
	sort.SliceStable(b.Layers, func(i, j int) bool {
		return rank(b.Layers[i].Name) < rank(b.Layers[j].Name) ||
			rank(b.Layers[i].Name) == rank(b.Layers[j].Name) && b.Layers[i].Name < b.Layers[j].Name
	})
	return b, nil
}

func rank(name string) int {
	for i, n := range LayerOrder {
		if n == name {
			return i
		}
	}
	return len(LayerOrder)
}

func (l *Layer) add(f *geo.Feature) {
	idx := int32(len(l.features))
	bd := f.Bound()
	l.features = append(l.features, f)
	l.bounds = append(l.bounds, bd)
	for k, raw := range f.Properties() {
		if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			l.Fields[k] = "number"
		} else if _, ok := l.Fields[k]; !ok {
			l.Fields[k] = "string"
		}
	}
	x0, y0, x1, y1 := cellRange(bd)
	if (x1-x0+1)*(y1-y0+1) > bigCells {
		l.big = append(l.big, idx)
		return
	}
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			l.cells[[2]int{x, y}] = append(l.cells[[2]int{x, y}], idx)
		}
	}
}

func cellRange(b orb.Bound) (x0, y0, x1, y1 int) {
	return int(math.Floor(b.Min[0])), int(math.Floor(b.Min[1])), int(math.Floor(b.Max[0])), int(math.Floor(b.Max[1]))
}

// Features returns the layer's features whose bounding box meets the bound,
// in load order. They are shared: read-only.
func (l *Layer) Features(bound orb.Bound) []*geo.Feature {
	var out []*geo.Feature
	x0, y0, x1, y1 := cellRange(bound)
	if (x1-x0+1)*(y1-y0+1) > len(l.features)/4 {
		for i, f := range l.features {
			if l.bounds[i].Intersects(bound) {
				out = append(out, f)
			}
		}
		return out
	}
	var hits []int32
	seen := map[int32]bool{}
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, i := range l.cells[[2]int{x, y}] {
				if !seen[i] && l.bounds[i].Intersects(bound) {
					seen[i] = true
					hits = append(hits, i)
				}
			}
		}
	}
	for _, i := range l.big {
		if l.bounds[i].Intersects(bound) {
			hits = append(hits, i)
		}
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a] < hits[b] })
	for _, i := range hits {
		out = append(out, l.features[i])
	}
	return out
}

// Tile returns every layer's features that meet the bound, ready for
// geo.Render; layers with none are left out.
func (b *Basemap) Tile(bound orb.Bound) []geo.TileLayer {
	var out []geo.TileLayer
	for _, l := range b.Layers {
		if fs := l.Features(bound); len(fs) > 0 {
			out = append(out, geo.TileLayer{Name: l.Name, Features: fs})
		}
	}
	return out
}
