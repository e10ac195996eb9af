package api

// Media types the API speaks.
const (
	MediaJSON    = "application/json"
	MediaGeoJSON = "application/geo+json"
	MediaHTML    = "text/html"
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	MediaSchema  = "application/schema+json"
	MediaMVT     = "application/vnd.mapbox-vector-tile"
	// MediaStyle is a MapLibre (Mapbox GL) style, as OGC API – Styles names it.
	MediaStyle = "application/vnd.mapbox.style+json"
	// MediaProtobuf is a glyph range of a style's font.
	MediaProtobuf = "application/x-protobuf"
	// MediaEventStream is the change feed (Server-Sent Events).
	MediaEventStream = "text/event-stream"
)

// Link relations beyond the IANA ones (self, alternate, next, ...).
const (
	RelConformance = "conformance"
	RelData        = "data"
	RelItems       = "items"
	// RelStylesheet links a tile set to a style that draws it.
	RelStylesheet  = "stylesheet"
	RelQueryables  = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	RelTilingSch   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	RelTilesVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
)

// Reference systems named in collection documents and parameters.
const (
	CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	// EPSG4326 is WGS 84 with latitude first: the files' own CRS, whose
	// coordinates GeoPackage and FlatGeobuf store as longitude, latitude.
	EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
	TRSISO   = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
)

// The query parameters more than one resource takes follow; a resource's
// own are declared beside it (query.ItemsParams, the tile routes).

// FParam is the format override every GET resource accepts.
var FParam = Param{
	Name: "f", In: "query",
	Description: "Response format, overriding the Accept header: json or html.",
	Schema:      map[string]any{"type": "string", "enum": []string{"json", "html"}},
}

// FJSONParam is f on resources that are JSON only, for clients (GDAL,
// QGIS) that add f=json to every request.
var FJSONParam = Param{
	Name: "f", In: "query",
	Description: "Response format: json (the only one).",
	Schema:      map[string]any{"type": "string", "enum": []string{"json"}},
}

// AsOfParam is the record-time parameter of items, one feature and tiles.
var AsOfParam = Param{Name: "as_of", In: "query",
	Description: "Record time: the features as the store held them at this RFC 3339 time (a bare date: its end), deleted ones included if they existed then. Combines with datetime and every filter.",
	Schema:      map[string]any{"type": "string", "format": "date-time"}}
