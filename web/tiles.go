package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/klauspost/compress/gzip"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/tilecache"
)

const (
	mediaMVT = "application/vnd.mapbox-vector-tile"
	// tilesetAll is every collection, one layer each; tilesetBasemap is
	// the embedded offline basemap.
	tilesetAll     = "all"
	tilesetBasemap = "basemap"
	basemapAsset   = "basemap/basemap.geojson.gz"
	// basemapVersion keys basemap tiles: the asset only changes with the binary.
	basemapVersion = "1"
	tileMaxAge     = "public, max-age=60"
	renderTimeout  = 30 * time.Second
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

// tileConformance lists the OGC API – Tiles (and Tile Matrix Set) classes
// the tile routes implement, for /conformance.
func tileConformance() []string {
	return []string{confTilesCore, confTilesTileset, confTilesList, confTilesGeodata, confTilesMVT,
		confTilesOAS30, confTilesTMSCore, confTilesTMSJSON, confTilesTMSLimit}
}

// tiler renders, caches and serves vector tiles. tileRoutes makes one per
// server; its handlers close over it.
type tiler struct {
	s     *Server
	cache *tilecache.Cache

	basemapOnce sync.Once
	basemap     *basemap.Basemap
	basemapErr  error

	mu       sync.Mutex
	inflight map[string]*flight
}

// flight is one render in progress; concurrent requests for the same key
// wait for it instead of rendering again.
type flight struct {
	done chan struct{}
	tile *tilecache.Tile
	err  error
}

func newTiler(s *Server) *tiler {
	return &tiler{s: s, cache: tilecache.New(s.cfg.TileCacheBytes), inflight: map[string]*flight{}}
}

// tileRoutes lists the vector tile, TileJSON and OGC API – Tiles routes.
func (s *Server) tileRoutes() []route {
	t := newTiler(s)
	str := map[string]any{"type": "string"}
	tileset := param{Name: "tileset", In: "path", Required: true, Schema: str,
		Description: "a collection id, \"all\" (every collection, one layer each) or \"basemap\" (the offline basemap)"}
	datetime := param{Name: "datetime", In: "query", Schema: str,
		Description: "the tile as of this instant or interval (RFC 3339, \"a/b\", \"../b\", \"a/..\"): statuses from the timeline at its start, features outside their validity left out"}
	zxy := func(name, desc string) param {
		return param{Name: name, In: "path", Required: true, Description: desc,
			Schema: map[string]any{"type": "integer", "minimum": 0}}
	}
	zoom := func(name string) param {
		return param{Name: name, In: "path", Required: true, Description: "zoom level, 0 to 22",
			Schema: map[string]any{"type": "integer", "minimum": 0, "maximum": geo.MaxZoom}}
	}
	cid := param{Name: "collectionId", In: "path", Required: true, Schema: str, Description: "a collection id"}
	tms := param{Name: "tileMatrixSetId", In: "path", Required: true, Description: "the tiling scheme",
		Schema: map[string]any{"type": "string", "enum": []string{tmsID}}}
	tileResp := map[string][]string{"200": {mediaMVT}, "204": nil, "304": nil, "400": {mediaJSON}, "404": {mediaJSON}}
	tags := []string{"Tiles"}
	return []route{
		{Method: http.MethodGet, Path: "/tiles", Name: "getTilesets", Summary: "The vector tile sets: each collection, all collections, the basemap",
			Tags: tags, Responses: map[string][]string{"200": {mediaJSON}}, Handle: t.handleTilesets},
		{Method: http.MethodGet, Path: "/tiles/{tileset}.json", Name: "getTileJSON", Summary: "TileJSON 3.0.0 of a tile set",
			Tags: tags, Params: []param{tileset}, Responses: map[string][]string{"200": {mediaJSON}, "404": {mediaJSON}}, Handle: t.handleTileJSON},
		{Method: http.MethodGet, Path: "/tiles/{tileset}/{z}/{x}/{y}.mvt", Name: "getTile", Summary: "A Mapbox Vector Tile (no content when the tile is empty)",
			Tags: tags, Params: []param{tileset, zoom("z"), zxy("x", "column, 0 to 2^z-1"), zxy("y", "row, 0 to 2^z-1"), datetime},
			Responses: tileResp, Handle: t.handleTile},
		{Method: http.MethodGet, Path: "/tileMatrixSets", Name: "getTileMatrixSets", Summary: "The tiling schemes: WebMercatorQuad",
			Tags: tags, Responses: map[string][]string{"200": {mediaJSON}}, Handle: t.handleTileMatrixSets},
		{Method: http.MethodGet, Path: "/tileMatrixSets/{tileMatrixSetId}", Name: "getTileMatrixSet", Summary: "A tiling scheme's definition",
			Tags: tags, Params: []param{tms}, Responses: map[string][]string{"200": {mediaJSON}, "404": {mediaJSON}}, Handle: t.handleTileMatrixSet},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles", Name: "getCollectionTilesets", Summary: "The vector tile sets of a collection",
			Tags: tags, Params: []param{cid}, Responses: map[string][]string{"200": {mediaJSON}, "404": {mediaJSON}}, Handle: t.handleCollectionTilesets},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}", Name: "getCollectionTileset", Summary: "A collection's vector tile set metadata",
			Tags: tags, Params: []param{cid, tms}, Responses: map[string][]string{"200": {mediaJSON}, "404": {mediaJSON}}, Handle: t.handleCollectionTileset},
		{Method: http.MethodGet, Path: "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", Name: "getCollectionTile",
			Summary: "A vector tile of a collection (the same bytes as /tiles/{collectionId}/{z}/{x}/{y}.mvt)", Tags: tags,
			Params: []param{cid, tms, zoom("tileMatrix"), zxy("tileRow", "row, 0 to 2^tileMatrix-1"),
				zxy("tileCol", "column, 0 to 2^tileMatrix-1"), datetime},
			Responses: tileResp, Handle: t.handleCollectionTile},
	}
}

func (t *tiler) handleTile(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	tile, err := geo.ParseTile(v["z"], v["x"], v["y"])
	if err != nil {
		return err
	}
	return t.serveTile(w, r, v["tileset"], tile)
}

// serveTile answers one tile request: from the cache when the key (which
// holds the store versions) is there, else rendered once for all waiters.
func (t *tiler) serveTile(w http.ResponseWriter, r *http.Request, tileset string, tile maptile.Tile) error {
	var when geo.Interval
	var dt string
	if r.URL.RawQuery != "" {
		dt = r.URL.Query().Get("datetime")
	}
	if dt != "" {
		iv, err := geo.ParseDatetime(dt)
		if err != nil {
			return err
		}
		when = iv
	}
	var buf [128]byte
	src, k, err := t.source(r.Context(), tileset, buf[:0])
	if err != nil {
		return err
	}
	k = append(k, '/')
	k = append(strconv.AppendUint(k, uint64(tile.Z), 10), '/')
	k = append(strconv.AppendUint(k, uint64(tile.X), 10), '/')
	k = append(strconv.AppendUint(k, uint64(tile.Y), 10), '?')
	key := string(append(k, dt...))
	ct, ok := t.cache.Get(key)
	if !ok {
		if ct, err = t.render(r.Context(), key, &src, tile, when); err != nil {
			return err
		}
	}
	return writeTile(w, r, ct)
}

// Header values shared by every tile answer (net/http does not change them).
var (
	hdrMaxAge = []string{tileMaxAge}
	hdrMVT    = []string{mediaMVT}
	hdrGzip   = []string{"gzip"}
)

// tileHeaders are a tile's header values, made once when it is rendered.
type tileHeaders struct {
	etag, gzipETag, length, gzipLength []string
}

func newTileHeaders(ct *tilecache.Tile) *tileHeaders {
	return &tileHeaders{etag: []string{ct.ETag}, gzipETag: []string{ct.GzipETag},
		length: []string{strconv.Itoa(len(ct.Data))}, gzipLength: []string{strconv.Itoa(len(ct.Gzip))}}
}

func writeTile(w http.ResponseWriter, r *http.Request, ct *tilecache.Tile) error {
	h := w.Header()
	h["Cache-Control"] = hdrMaxAge
	if len(ct.Data) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	// The gzip form is another representation, so it has its own tag;
	// If-None-Match compares weakly, so either tag revalidates.
	hv, _ := ct.Extra.(*tileHeaders)
	if hv == nil {
		hv = newTileHeaders(ct)
	}
	gz := wantsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		h["Etag"] = hv.gzipETag
	} else {
		h["Etag"] = hv.etag
	}
	h["Content-Type"] = hdrMVT
	if inm := r.Header.Get("If-None-Match"); inm != "" && (etagMatches(inm, ct.ETag, true) || etagMatches(inm, ct.GzipETag, true)) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, length := ct.Data, hv.length
	if gz {
		h["Content-Encoding"] = hdrGzip
		body, length = ct.Gzip, hv.gzipLength
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// wantsGzip is acceptsGzip with a fast answer for the common headers.
func wantsGzip(ae string) bool {
	if !strings.Contains(ae, "gzip") {
		return false
	}
	if !strings.Contains(ae, "q=") {
		return true
	}
	return acceptsGzip(ae)
}

// tileSource is where a tile set's features come from.
type tileSource struct {
	name    string
	cols    []geo.Collection // for "all": every collection, one layer each
	basemap *basemap.Basemap
}

// collections lists the store collections drawn, one layer each.
func (src *tileSource) collections() []string {
	if src.basemap != nil {
		return nil
	}
	if src.name != tilesetAll {
		return []string{src.name}
	}
	ids := make([]string, len(src.cols))
	for i, c := range src.cols {
		ids[i] = c.ID
	}
	return ids
}

// source resolves a tile set name (ErrNotFound, 404, for an unknown one)
// and appends to key what changes when its features do: the change
// version of each collection involved.
func (t *tiler) source(ctx context.Context, tileset string, key []byte) (tileSource, []byte, error) {
	key = append(key, tileset...)
	switch tileset {
	case tilesetBasemap:
		bm, err := t.loadBasemap()
		if err != nil {
			return tileSource{}, nil, err
		}
		return tileSource{name: tileset, basemap: bm}, append(key, "@"+basemapVersion...), nil
	case tilesetAll:
		cols, err := t.s.cfg.Store.Collections(ctx)
		if err != nil {
			return tileSource{}, nil, err
		}
		for _, c := range cols {
			key = append(append(append(key, ','), c.ID...), '@')
			key = strconv.AppendInt(key, c.Version, 10)
		}
		return tileSource{name: tileset, cols: cols}, key, nil
	}
	v, err := t.s.cfg.Store.Version(ctx, tileset)
	if errors.Is(err, store.ErrNotFound) {
		return tileSource{}, nil, notFound("no tile set " + strconv.Quote(tileset) + ": use a collection id, \"all\" or \"basemap\"")
	}
	if err != nil {
		return tileSource{}, nil, err
	}
	return tileSource{name: tileset}, strconv.AppendInt(append(key, '@'), v, 10), nil
}

// loadBasemap reads the embedded basemap on first use.
func (t *tiler) loadBasemap() (*basemap.Basemap, error) {
	t.basemapOnce.Do(func() {
		if t.s.cfg.Assets == nil {
			t.basemapErr = errors.New("no assets configured: the basemap is unavailable")
			return
		}
		f, err := t.s.cfg.Assets.Open(basemapAsset)
		if err != nil {
			t.basemapErr = fmt.Errorf("open basemap: %w", err)
			return
		}
		defer f.Close()
		start := time.Now()
		t.basemap, t.basemapErr = basemap.LoadGzip(f)
		t.s.log.Info("basemap loaded", "duration", time.Since(start), "err", t.basemapErr)
	})
	return t.basemap, t.basemapErr
}

// render makes the tile under key once, however many requests ask for it
// at the same time, and caches it (an empty tile too, as no data).
func (t *tiler) render(ctx context.Context, key string, src *tileSource, tile maptile.Tile, when geo.Interval) (*tilecache.Tile, error) {
	t.mu.Lock()
	if f, ok := t.inflight[key]; ok {
		t.mu.Unlock()
		select {
		case <-f.done:
			return f.tile, f.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f := &flight{done: make(chan struct{})}
	t.inflight[key] = f
	t.mu.Unlock()

	// The render outlives the request that started it (others may be
	// waiting for it), so a client going away does not cancel it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renderTimeout)
	f.tile, f.err = t.renderTile(rctx, src, tile, when)
	cancel()
	if f.err == nil {
		t.cache.Put(key, f.tile)
	}
	t.mu.Lock()
	delete(t.inflight, key)
	t.mu.Unlock()
	close(f.done)
	return f.tile, f.err
}

// tileGzip reuses compressors: each holds about a megabyte of tables.
var tileGzip = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

func (t *tiler) renderTile(ctx context.Context, src *tileSource, tile maptile.Tile, when geo.Interval) (*tilecache.Tile, error) {
	layers, err := t.layers(ctx, src, tile, when)
	if err != nil {
		return nil, err
	}
	data, err := geo.Render(layers, tile, geo.RenderOptions{Time: when})
	if err != nil {
		return nil, fmt.Errorf("render %s %d/%d/%d: %w", src.name, tile.Z, tile.X, tile.Y, err)
	}
	if len(data) == 0 {
		return &tilecache.Tile{}, nil
	}
	var buf bytes.Buffer
	zw := tileGzip.Get().(*gzip.Writer)
	zw.Reset(&buf)
	_, _ = zw.Write(data)
	err = zw.Close()
	zw.Reset(nil)
	tileGzip.Put(zw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:12])
	ct := &tilecache.Tile{Data: data, Gzip: buf.Bytes(), ETag: `"` + tag + `"`, GzipETag: `"` + tag + `-gz"`}
	ct.Extra = newTileHeaders(ct)
	return ct, nil
}

// layers fetches the features of each layer of the tile through the
// store's spatial index (or the basemap's grid).
func (t *tiler) layers(ctx context.Context, src *tileSource, tile maptile.Tile, when geo.Interval) ([]geo.TileLayer, error) {
	if src.basemap != nil {
		return src.basemap.Tile(geo.TileBound(tile)), nil
	}
	bbox := geo.TileBBox(tile)
	ids := src.collections()
	out := make([]geo.TileLayer, 0, len(ids))
	for _, cid := range ids {
		page, err := t.s.cfg.Store.Query(ctx, store.Query{Collection: cid, Filter: geo.Filter{BBox: &bbox, Time: when}})
		if errors.Is(err, store.ErrNotFound) && src.name == tilesetAll {
			continue // deleted since we listed the collections
		}
		if err != nil {
			return nil, err
		}
		if len(page.Features) > 0 {
			out = append(out, geo.TileLayer{Name: cid, Features: page.Features})
		}
	}
	return out, nil
}
