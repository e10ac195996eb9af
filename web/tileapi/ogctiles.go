package tileapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/web/api"
)

// The one tiling scheme served: OGC's WebMercatorQuad (EPSG:3857, 256-pixel
// tiles, the XYZ scheme of web maps).
const (
	tmsID     = "WebMercatorQuad"
	tmsURI    = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crs3857   = "http://www.opengis.net/def/crs/EPSG/0/3857"
	crsCRS84  = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	relTiling = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	// Zoom 0 of WebMercatorQuad (OGC 17-083r4, annex D).
	wmqScale0    = 559082264.0287178
	wmqCellSize0 = 156543.03392804097
	wmqOrigin    = 20037508.3427892
)

type tileMatrix struct {
	ID string `json:"id"`
	// Identifier and TopLeftCorner repeat ID and PointOfOrigin under their
	// TMS 1.0 names: GDAL up to 3.6 reads only those.
	Identifier       string     `json:"identifier"`
	TopLeftCorner    [2]float64 `json:"topLeftCorner"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      int64      `json:"matrixWidth"`
	MatrixHeight     int64      `json:"matrixHeight"`
}

// webMercatorQuad is the standard definition (Tile Matrix Set 2.0 JSON).
func webMercatorQuad() map[string]any {
	ms := make([]tileMatrix, geo.MaxZoom+1)
	for z := range ms {
		n := int64(1) << z
		ms[z] = tileMatrix{ID: strconv.Itoa(z), Identifier: strconv.Itoa(z), TopLeftCorner: [2]float64{-wmqOrigin, wmqOrigin}, ScaleDenominator: wmqScale0 / float64(n), CellSize: wmqCellSize0 / float64(n),
			CornerOfOrigin: "topLeft", PointOfOrigin: [2]float64{-wmqOrigin, wmqOrigin}, TileWidth: 256, TileHeight: 256,
			MatrixWidth: n, MatrixHeight: n}
	}
	return map[string]any{
		"id":                tmsID,
		"title":             "Google Maps Compatible for the World",
		"uri":               tmsURI,
		"crs":               crs3857,
		"orderedAxes":       []string{"E", "N"},
		"wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"boundingBox": map[string]any{"lowerLeft": []float64{-wmqOrigin, -wmqOrigin},
			"upperRight": []float64{wmqOrigin, wmqOrigin}, "crs": crs3857,
			"lowerCorner": []float64{-wmqOrigin, -wmqOrigin}, "upperCorner": []float64{wmqOrigin, wmqOrigin}},
		"identifier":   tmsID,
		"supportedCRS": crs3857,
		"tileMatrices": ms,
	}
}

func (t *Service) handleTileMatrixSets(w http.ResponseWriter, r *http.Request) error {
	b := t.cfg.Base(r)
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{
		"links": []api.Link{{Href: b + "/tileMatrixSets", Rel: "self", Type: api.MediaJSON, Title: "Tile matrix sets"}},
		"tileMatrixSets": []map[string]any{{"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI,
			"crs": crs3857, "links": []api.Link{{Href: b + "/tileMatrixSets/" + tmsID, Rel: relTiling, Type: api.MediaJSON, Title: tmsID}}}},
	})
}

func (t *Service) handleTileMatrixSet(w http.ResponseWriter, r *http.Request) error {
	if err := checkTMS(mux.Vars(r)["tileMatrixSetId"]); err != nil {
		return err
	}
	doc := webMercatorQuad()
	doc["links"] = []api.Link{{Href: t.cfg.Base(r) + "/tileMatrixSets/" + tmsID, Rel: "self", Type: api.MediaJSON, Title: tmsID}}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, doc)
}

func checkTMS(id string) error {
	if id != tmsID {
		return api.NotFound("no tile matrix set " + id + ": only " + tmsID + " is served")
	}
	return nil
}

// collectionTilesetDoc is the OGC tileset metadata of one collection.
func (t *Service) collectionTilesetDoc(r *http.Request, cid string) (map[string]any, error) {
	c, err := t.cfg.Store.Collection(r.Context(), cid)
	if err != nil {
		return nil, err
	}
	b := t.cfg.Base(r)
	href := b + "/collections/" + api.PathEscape(cid) + "/tiles/" + tmsID
	doc := map[string]any{
		"title":            c.Title + " (vector tiles)",
		"dataType":         "vector",
		"crs":              crs3857,
		"tileMatrixSetURI": tmsURI,
		"links": []api.Link{
			{Href: href, Rel: "self", Type: api.MediaJSON, Title: "This tile set"},
			{Href: b + "/tileMatrixSets/" + tmsID, Rel: relTiling, Type: api.MediaJSON, Title: tmsID},
			{Href: href + "/{tileMatrix}/{tileRow}/{tileCol}" + filterQuery(r), Rel: "item", Type: api.MediaMVT, Title: "Tiles of " + c.Title, Templated: true},
			{Href: b + "/tiles/" + api.PathEscape(cid) + ".json", Rel: "describedby", Type: api.MediaJSON, Title: "TileJSON"},
			{Href: b + "/collections/" + api.PathEscape(cid), Rel: "collection", Type: api.MediaJSON, Title: c.Title},
		},
		"layers": []map[string]any{{"id": cid, "title": c.Title, "dataType": "vector",
			"minTileMatrix": "0", "maxTileMatrix": strconv.Itoa(geo.MaxZoom)}},
		"tileMatrixSetLimits": tmsLimits(),
	}
	if c.Count > 0 {
		doc["boundingBox"] = map[string]any{"lowerLeft": []float64{c.Bound.Min[0], c.Bound.Min[1]},
			"upperRight": []float64{c.Bound.Max[0], c.Bound.Max[1]}, "crs": crsCRS84}
	}
	return doc, nil
}

func tmsLimits() []map[string]any {
	out := make([]map[string]any, geo.MaxZoom+1)
	for z := range out {
		n := int64(1)<<z - 1
		out[z] = map[string]any{"tileMatrix": strconv.Itoa(z), "minTileRow": 0, "maxTileRow": n, "minTileCol": 0, "maxTileCol": n}
	}
	return out
}

func (t *Service) handleCollectionTilesets(w http.ResponseWriter, r *http.Request) error {
	cid := mux.Vars(r)["collectionId"]
	ts, err := t.collectionTilesetDoc(r, cid)
	if err != nil {
		return err
	}
	delete(ts, "tileMatrixSetLimits")
	delete(ts, "layers")
	href := t.cfg.Base(r) + "/collections/" + api.PathEscape(cid) + "/tiles"
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{
		"links":    []api.Link{{Href: href, Rel: "self", Type: api.MediaJSON, Title: "Tile sets of " + cid}},
		"tilesets": []map[string]any{ts},
	})
}

func (t *Service) handleCollectionTileset(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	if err := checkTMS(v["tileMatrixSetId"]); err != nil {
		return err
	}
	doc, err := t.collectionTilesetDoc(r, v["collectionId"])
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, doc)
}

// ogcTileFields renames the z/x/y of tile errors to the OGC path names.
var ogcTileFields = map[string]string{"z": "tileMatrix", "x": "tileCol", "y": "tileRow"}

func (t *Service) handleCollectionTile(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	if err := checkTMS(v["tileMatrixSetId"]); err != nil {
		return err
	}
	tile, err := geo.ParseTile(v["tileMatrix"], v["tileCol"], v["tileRow"])
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		return api.BadRequest(ogcTileFields[ve.Field], ogcTileFields[ve.Field]+": "+ve.Reason)
	}
	if err != nil {
		return err
	}
	cid := v["collectionId"]
	if cid == tilesetAll || cid == tilesetBasemap {
		return api.NotFound("no collection " + cid)
	}
	return t.serveTile(w, r, cid, tile)
}
