package tileapi

import (
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/tiles"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

const (
	// tilesetAll is every collection, one layer each; tilesetBasemap is
	// the embedded offline basemap.
	tilesetAll     = tiles.All
	tilesetBasemap = tiles.Basemap
	tileMaxAge     = "public, max-age=60"
)

// OGC API – Tiles conformance classes served by the tile routes.
const (
	confTilesCore     = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core"
	confTilesTileset  = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset"
	confTilesList     = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list"
	confTilesGeodata  = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets"
	confTilesMVT      = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"
	confTilesOAS30    = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30"
	confTilesTMSJSON  = "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset"
	confTilesTMSCore  = "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset"
	confTilesTMSLimit = "http://www.opengis.net/spec/tms/2.0/conf/tilematrixsetlimits"
)

// Conformance lists the OGC API – Tiles (and Tile Matrix Set) classes
// the tile routes implement, for /conformance.
func Conformance() []string {
	return []string{confTilesCore, confTilesTileset, confTilesList, confTilesGeodata, confTilesMVT,
		confTilesOAS30, confTilesTMSCore, confTilesTMSJSON, confTilesTMSLimit}
}

// Config is what the tile resources need from the server.
type Config struct {
	Store  store.Store
	Assets fs.FS // the styles, fonts and basemap
	// CacheBytes bounds the in-memory cache of rendered tiles.
	CacheBytes int64
	// FilterTimeout bounds the evaluation of a tile's CQL2 filter.
	FilterTimeout time.Duration
	// Base is the absolute URL prefix of the links, for a request.
	Base func(r *http.Request) string
	// Log receives the pipeline's notes (slow renders, thinned tiles).
	Log func(msg string, args ...any)
}

// Service serves the tile pipeline's tiles over HTTP, with their TileJSON,
// OGC API – Tiles documents and MapLibre styles.
type Service struct {
	cfg Config
	p   *tiles.Pipeline

	fonts fontCache // the glyph ranges of the styles' labels
}

// New makes the tile resources over a pipeline of their own.
func New(cfg Config) *Service {
	p := tiles.New(cfg.Store, cfg.Assets, cfg.CacheBytes, cfg.Log)
	p.FilterTimeout = cfg.FilterTimeout
	return &Service{cfg: cfg, p: p}
}

// Routes lists the vector tile, TileJSON, OGC API – Tiles and style routes.
func (t *Service) Routes() []api.Route {
	str := map[string]any{"type": "string"}
	tileset := api.Param{Name: "tileset", In: "path", Required: true, Schema: str,
		Description: "a collection id, \"all\" (every collection, one layer each) or \"basemap\" (the offline basemap)"}
	datetime := api.Param{Name: "datetime", In: "query", Schema: str,
		Description: "the tile as of this instant or interval (RFC 3339, \"a/b\", \"../b\", \"a/..\"): statuses from the timeline at its start, features outside their validity left out"}
	zxy := func(name, desc string) api.Param {
		return api.Param{Name: name, In: "path", Required: true, Description: desc,
			Schema: map[string]any{"type": "integer", "minimum": 0}}
	}
	zoom := func(name string) api.Param {
		return api.Param{Name: name, In: "path", Required: true, Description: "zoom level, 0 to 22",
			Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": geo.MaxZoom}}
	}
	cid := api.Param{Name: "collectionId", In: "path", Required: true, Schema: str, Description: "a collection id"}
	tms := api.Param{Name: "tileMatrixSetId", In: "path", Required: true, Description: "the tiling scheme",
		Schema: map[string]any{"type": "string", "enum": []string{tmsID}}}
	tileResp := map[string][]string{"200": {api.MediaMVT}, "204": nil, "304": nil, "400": {api.MediaJSON}, "404": {api.MediaJSON}}
	tags := []string{"Tiles"}
	return append([]api.Route{
		{Method: http.MethodGet, Path: "/tiles", Name: "getTilesets", Summary: "The vector tile sets: each collection, all collections, the basemap",
			Tags: tags, Params: []api.Param{api.FJSONParam}, Responses: map[string][]string{"200": {api.MediaJSON}}, Handle: t.handleTilesets},
		{Method: http.MethodGet, Path: "/tiles/{tileset}.json", Name: "getTileJSON", Summary: "TileJSON 3.0.0 of a tile set",
			Tags: tags, Params: []api.Param{api.FJSONParam, tileset, query.TileFilterParam}, Responses: map[string][]string{"200": {api.MediaJSON}, "404": {api.MediaJSON}}, Handle: t.handleTileJSON},
		{Method: http.MethodGet, Path: TilePath, Name: "getTile", Summary: "A Mapbox Vector Tile (no content when the tile is empty)",
			Tags: tags, Params: []api.Param{tileset, zoom("z"), zxy("x", "column, 0 to 2^z-1"), zxy("y", "row, 0 to 2^z-1"), datetime, api.AsOfParam, query.TileFilterParam},
			Responses: tileResp, Handle: t.handleTile},
		{Method: http.MethodGet, Path: "/tileMatrixSets", Name: "getTileMatrixSets", Summary: "The tiling schemes: WebMercatorQuad",
			Tags: tags, Params: []api.Param{api.FJSONParam}, Responses: map[string][]string{"200": {api.MediaJSON}}, Handle: t.handleTileMatrixSets},
		{Method: http.MethodGet, Path: "/tileMatrixSets/{tileMatrixSetId}", Name: "getTileMatrixSet", Summary: "A tiling scheme's definition",
			Tags: tags, Params: []api.Param{api.FJSONParam, tms}, Responses: map[string][]string{"200": {api.MediaJSON}, "404": {api.MediaJSON}}, Handle: t.handleTileMatrixSet},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles", Name: "getCollectionTilesets", Summary: "The vector tile sets of a collection",
			Tags: tags, Params: []api.Param{api.FJSONParam, cid}, Responses: map[string][]string{"200": {api.MediaJSON}, "404": {api.MediaJSON}}, Handle: t.handleCollectionTilesets},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}", Name: "getCollectionTileset", Summary: "A collection's vector tile set metadata",
			Tags: tags, Params: []api.Param{api.FJSONParam, cid, tms, query.TileFilterParam}, Responses: map[string][]string{"200": {api.MediaJSON}, "404": {api.MediaJSON}}, Handle: t.handleCollectionTileset},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", Name: "getCollectionTile",
			Summary: "A vector tile of a collection (the same bytes as /tiles/{collectionId}/{z}/{x}/{y}.mvt)", Tags: tags,
			Params: []api.Param{cid, tms, zoom("tileMatrix"), zxy("tileRow", "row, 0 to 2^tileMatrix-1"),
				zxy("tileCol", "column, 0 to 2^tileMatrix-1"), datetime, api.AsOfParam, query.TileFilterParam},
			Responses: tileResp, Handle: t.handleCollectionTile},
	}, t.styleRoutes()...)
}

// TilePath is the route of a tile: /tiles/{tileset}/{z}/{x}/{y}.mvt.
const TilePath = "/tiles/{tileset}/{z}/{x}/{y}.mvt"

// SplitTilePath reads the variables of TilePath from a path, as the router
// would match them (each a non-empty segment), so that the most frequent
// request can skip the router's regular expressions.
func SplitTilePath(p string) (tileset, z, x, y string, ok bool) {
	rest, ok := strings.CutPrefix(p, "/tiles/")
	if !ok {
		return "", "", "", "", false
	}
	if rest, ok = strings.CutSuffix(rest, ".mvt"); !ok {
		return "", "", "", "", false
	}
	var parts [4]string
	for i := range parts {
		var more bool
		parts[i], rest, more = strings.Cut(rest, "/")
		// The router redirects a path with . or .. segments to its clean
		// form; leave those to it.
		if parts[i] == "" || parts[i] == "." || parts[i] == ".." || more != (i < 3) {
			return "", "", "", "", false
		}
	}
	return parts[0], parts[1], parts[2], parts[3], true
}

func (t *Service) handleTile(w http.ResponseWriter, r *http.Request) error {
	tileset, z, x, y, ok := SplitTilePath(r.URL.Path)
	if !ok {
		return api.NotFound("no tile at " + r.URL.Path)
	}
	tile, err := geo.ParseTile(z, x, y)
	if err != nil {
		return err
	}
	return t.serveTile(w, r, tileset, tile)
}

// serveTile answers one tile request with the pipeline's tile.
func (t *Service) serveTile(w http.ResponseWriter, r *http.Request, tileset string, tile maptile.Tile) error {
	var when store.Query
	var dt, asOf string
	if r.URL.RawQuery != "" {
		dt, asOf = r.URL.Query().Get("datetime"), r.URL.Query().Get("as_of")
	}
	if dt != "" {
		iv, at, err := geo.ParseDatetimeAt(dt)
		if err != nil {
			return err
		}
		when.Time, when.At = iv, at
	}
	if asOf != "" {
		var err error
		if when.AsOf, err = api.ParseAsOf(asOf); err != nil {
			return err
		}
		dt += "&as_of=" + asOf // the key holds both times as asked
	}
	var err error
	if when.CQL, err = t.tileFilter(r, tileset); err != nil {
		return err
	}
	ct, err := t.p.Get(r.Context(), tileset, tile, when, dt)
	if err != nil {
		return err
	}
	return writeTile(w, r, ct)
}

// Header values shared by every tile answer (net/http does not change them).
var (
	hdrMaxAge = []string{tileMaxAge}
	hdrMVT    = []string{api.MediaMVT}
	hdrGzip   = []string{"gzip"}
)

func writeTile(w http.ResponseWriter, r *http.Request, ct *tiles.Tile) error {
	h := w.Header()
	h["Cache-Control"] = hdrMaxAge
	if len(ct.Data) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// The gzip form is another representation, so it has its own tag;
	// If-None-Match compares weakly, so either tag revalidates.
	gz := wantsGzip(r.Header.Get("Accept-Encoding"))
	h["Etag"] = ct.Tag(gz)
	h["Content-Type"] = hdrMVT
	if inm := r.Header.Get("If-None-Match"); inm != "" && (api.ETagMatches(inm, ct.Tag(false)[0], true) || api.ETagMatches(inm, ct.Tag(true)[0], true)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, length := ct.Body(gz)
	if gz {
		h["Content-Encoding"] = hdrGzip
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// wantsGzip is api.AcceptsGzip with a fast answer for the common headers.
func wantsGzip(ae string) bool {
	if !strings.Contains(ae, "gzip") {
		return false
	}
	if !strings.Contains(ae, "q=") {
		return true
	}
	return api.AcceptsGzip(ae)
}
