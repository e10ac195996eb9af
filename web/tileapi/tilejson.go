package tileapi

import (
	"context"
	"math"
	"net/http"
	"sort"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
	"github.com/sitmap/sitmap/web/api"
)

// tileJSON is a TileJSON 3.0.0 document.
type tileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description,omitempty"`
	Version      string        `json:"version"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []vectorLayer `json:"vector_layers"`
	// TileStats repeats each layer's geometry type in the form GDAL's MVT
	// driver reads (mapbox-geostats, as tippecanoe writes it).
	TileStats tileStats `json:"tilestats"`
	// Links lead to the style that draws the tile set, where there is one.
	Links []api.Link `json:"links,omitempty"`
}

type tileStats struct {
	LayerCount int             `json:"layerCount"`
	Layers     []tileStatLayer `json:"layers"`
}

type tileStatLayer struct {
	Layer    string `json:"layer"`
	Count    int    `json:"count,omitempty"`
	Geometry string `json:"geometry,omitempty"` // Point, LineString or Polygon
}

type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
	// GeometryType is "point", "line" or "polygon" (as tegola and
	// GeoServer write it), "unknown" for a layer of several kinds.
	GeometryType string `json:"geometry_type"`
}

// geometryKinds maps GeoJSON types to the vector tile geometry kinds.
var geometryKinds = map[string]string{"Point": "point", "MultiPoint": "point", "LineString": "line",
	"MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}

// tileStatGeometry names a kind as mapbox-geostats does.
var tileStatGeometry = map[string]string{"point": "Point", "line": "LineString", "polygon": "Polygon"}

// geometryKind is the one kind of the GeoJSON types given, or "unknown"
// when they are of several kinds or none is declared.
func geometryKind(types []string) string {
	kind := ""
	for _, t := range types {
		k := geometryKinds[t]
		if k == "" || kind != "" && k != kind {
			return "unknown"
		}
		kind = k
	}
	if kind == "" {
		return "unknown"
	}
	return kind
}

// addStats appends the tilestats entry of each vector layer.
func (doc *tileJSON) addStats(counts map[string]int) {
	for _, l := range doc.VectorLayers {
		doc.TileStats.Layers = append(doc.TileStats.Layers,
			tileStatLayer{Layer: l.ID, Count: counts[l.ID], Geometry: tileStatGeometry[l.GeometryType]})
	}
	doc.TileStats.LayerCount = len(doc.TileStats.Layers)
}

const attributionData = "sitmap: each feature cites its sources (the sources property)"

// commonFields are the properties every collection layer carries; "count"
// appears on thinned points.
var commonFields = map[string]string{
	"id": "String", "name": "String", "name_local": "String", "status": "String", "confidence": "String",
	"country": "String", "valid_from": "String", "valid_to": "String", "updated": "String",
	"description": "String", "sources": "String (JSON)", "timeline": "String (JSON)", "count": "Number",
}

func (t *Service) handleTileJSON(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["tileset"]
	doc, err := t.tileJSON(r, name)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", tileMaxAge)
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, doc)
}

func (t *Service) tileJSON(r *http.Request, name string) (*tileJSON, error) {
	ctx := r.Context()
	doc := &tileJSON{TileJSON: "3.0.0", Name: name, Version: "1.0.0", Scheme: "xyz", MaxZoom: geo.MaxZoom,
		Tiles: []string{t.cfg.Base(r) + "/tiles/" + api.PathEscape(name) + "/{z}/{x}/{y}.mvt" + filterQuery(r)}}
	if name == tilesetBasemap {
		return t.basemapTileJSON(r, doc)
	}
	layers, err := t.p.Layers(ctx, name)
	if err != nil {
		return nil, err
	}
	cols, err := t.cfg.Store.Collections(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range layers {
		want[id] = true
	}
	doc.Attribution = attributionData
	doc.Description = "sitmap collection " + name
	if name == tilesetAll {
		doc.Description = "every sitmap collection, one layer each"
	}
	counts := map[string]int{}
	for _, c := range cols {
		if !want[c.ID] {
			continue
		}
		fields := map[string]string{}
		for k, v := range commonFields {
			fields[k] = v
		}
		for k, q := range c.CommonQueryables() {
			fields[k] = queryableType(q.Type)
		}
		desc := c.Title
		if c.Description != "" {
			desc += ": " + c.Description
		}
		doc.VectorLayers = append(doc.VectorLayers, vectorLayer{ID: c.ID, Description: desc, MaxZoom: geo.MaxZoom,
			Fields: fields, GeometryType: geometryKind(c.Geometry)})
		counts[c.ID] = c.Count
	}
	doc.addStats(counts)
	if hasStyle(name) {
		doc.Links = []api.Link{styleLink(t.cfg.Base(r), name)}
	}
	bound, ok := t.dataBound(ctx, want)
	doc.Bounds = [4]float64{-180, -geo.MaxLatitude, 180, geo.MaxLatitude}
	if ok {
		doc.Bounds = [4]float64{bound.Min[0], math.Max(bound.Min[1], -geo.MaxLatitude), bound.Max[0], math.Min(bound.Max[1], geo.MaxLatitude)}
	}
	doc.Center = center(bound)
	return doc, nil
}

// basemapTileJSON fills in the basemap's layers, credits and bounds.
func (t *Service) basemapTileJSON(r *http.Request, doc *tileJSON) (*tileJSON, error) {
	bm, err := t.p.Basemap()
	if err != nil {
		return nil, err
	}
	doc.Description = "Offline basemap: land, lakes, rivers, coastlines, country borders and place names"
	doc.Attribution = basemap.Attribution
	doc.MaxZoom = basemap.MaxZoom
	for _, l := range bm.Layers {
		types := make([]string, 0, len(l.Geometries))
		for g := range l.Geometries {
			types = append(types, g)
		}
		doc.VectorLayers = append(doc.VectorLayers, vectorLayer{ID: l.Name, MaxZoom: basemap.MaxZoom,
			Description: "basemap " + l.Name, Fields: tippecanoeTypes(l.Fields), GeometryType: geometryKind(types)})
	}
	doc.addStats(nil)
	doc.Links = []api.Link{styleLink(t.cfg.Base(r), tilesetBasemap)}
	bound, _ := t.dataBound(r.Context(), nil)
	doc.Bounds = [4]float64{-180, -geo.MaxLatitude, 180, geo.MaxLatitude}
	doc.Center = center(bound)
	return doc, nil
}

// base is the server's absolute URL for links.

// dataBound is the union of the extents of the collections named (all when
// want is nil); ok is false when they hold nothing.
func (t *Service) dataBound(ctx context.Context, want map[string]bool) (orb.Bound, bool) {
	cols, err := t.cfg.Store.Collections(ctx)
	if err != nil {
		return orb.Bound{}, false
	}
	var b orb.Bound
	ok := false
	for _, c := range cols {
		if c.Count == 0 || (want != nil && !want[c.ID]) {
			continue
		}
		if !ok {
			b, ok = c.Bound, true
		} else {
			b = b.Union(c.Bound)
		}
	}
	return b, ok
}

// center is the middle of the bound and the zoom at which it about fills
// a 1024-pixel view; the world at zoom 1 when there is no data.
func center(b orb.Bound) [3]float64 {
	if b.IsZero() {
		return [3]float64{0, 0, 1}
	}
	c := b.Center()
	span := math.Max(b.Max[0]-b.Min[0], (b.Max[1]-b.Min[1])*1.5)
	z := 2.0
	if span > 0 {
		z = math.Floor(math.Log2(360 * 4 / span))
	}
	z = math.Max(0, math.Min(z, 14))
	return [3]float64{math.Round(c[0]*1e5) / 1e5, math.Round(c[1]*1e5) / 1e5, z}
}

func queryableType(t string) string {
	switch t {
	case "number", "integer":
		return "Number"
	case "boolean":
		return "Boolean"
	}
	return "String"
}

func tippecanoeTypes(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if v == "number" {
			out[k] = "Number"
		} else {
			out[k] = "String"
		}
	}
	return out
}

// tilesetSummary is one entry of /tiles.
type tilesetSummary struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// DataType and the TMS fields make the list readable as an OGC API –
	// Tiles tileset list too.
	DataType         string     `json:"dataType"`
	CRS              string     `json:"crs"`
	TileMatrixSetURI string     `json:"tileMatrixSetURI"`
	Links            []api.Link `json:"links"`
}

func (t *Service) handleTilesets(w http.ResponseWriter, r *http.Request) error {
	cols, err := t.cfg.Store.Collections(r.Context())
	if err != nil {
		return err
	}
	b := t.cfg.Base(r)
	entry := func(id, title string) tilesetSummary {
		ts := tilesetSummary{ID: id, Title: title, DataType: "vector", CRS: crs3857, TileMatrixSetURI: tmsURI,
			Links: []api.Link{
				{Href: b + "/tiles/" + api.PathEscape(id) + ".json", Rel: "describedby", Type: api.MediaJSON, Title: "TileJSON of " + title},
				{Href: b + "/tiles/" + api.PathEscape(id) + "/{z}/{x}/{y}.mvt", Rel: "item", Type: api.MediaMVT, Title: "Tiles of " + title, Templated: true},
			}}
		if hasStyle(id) {
			ts.Links = append(ts.Links, styleLink(b, id))
		}
		return ts
	}
	list := []tilesetSummary{entry(tilesetAll, "All collections"), entry(tilesetBasemap, "Offline basemap")}
	sort.Slice(cols, func(i, j int) bool { return cols[i].ID < cols[j].ID })
	for _, c := range cols {
		list = append(list, entry(c.ID, c.Title))
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{
		"links":    []api.Link{{Href: b + "/tiles", Rel: "self", Type: api.MediaJSON, Title: "Vector tile sets"}},
		"tilesets": list,
	})
}
