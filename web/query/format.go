package query

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sitmap/sitmap/internal/crs"
	"github.com/sitmap/sitmap/internal/formats"
	"github.com/sitmap/sitmap/web/api"
)

// ItemsFParam is f for features: the file encodings on top of json and html.
var ItemsFParam = api.Param{
	Name: "f", In: "query",
	Description: "Response format, overriding the Accept header: json (GeoJSON), html, or a file: gpkg (GeoPackage), fgb (FlatGeobuf), kml, kmz or csv. " +
		"A file holds every feature of the query unless limit is given.",
	Schema: map[string]any{"type": "string", "enum": append([]string{"json", "html"}, FileFormatNames()...)},
}

func FileFormatNames() []string {
	var out []string
	for _, f := range formats.Files {
		out = append(out, string(f))
	}
	return out
}

// FileMediaTypes are the media types of the file encodings, in order.
func FileMediaTypes() []string {
	var out []string
	for _, f := range formats.Files {
		out = append(out, f.MediaType())
	}
	return out
}

// FileFormat reports whether the request asks for a file encoding, by f
// or by an Accept header that prefers one of them to GeoJSON and HTML.
func FileFormat(r *http.Request) (formats.Format, bool, error) {
	if v, ok := api.QueryParam(r, "f"); ok {
		switch strings.ToLower(v) {
		case "json", "geojson", "html":
			return "", false, nil
		}
		if f, ok := formats.Parse(v); ok && f != formats.GeoJSON {
			return f, true, nil
		}
		return "", false, api.BadRequest("f", fmt.Sprintf("f=%q is not supported here (use json, html, %s)", v, strings.Join(FileFormatNames(), ", ")))
	}
	accept := r.Header.Get("Accept")
	if strings.TrimSpace(accept) == "" {
		return "", false, nil
	}
	best, err := api.PickMedia(accept, append([]string{api.MediaGeoJSON, api.MediaJSON, api.MediaHTML}, FileMediaTypes()...))
	if err != nil {
		return "", false, nil // negotiate answers 406 with every offer
	}
	for _, f := range formats.Files {
		if f.MediaType() == best {
			return f, true, nil
		}
	}
	return "", false, nil
}

// FileCRS rejects a crs the file encodings cannot declare: they are all in
// WGS 84 (KML by definition; the others say EPSG:4326).
func FileCRS(c *crs.CRS) error {
	if c == nil || c.IsCRS84() || c.URI == api.EPSG4326 {
		return nil
	}
	return api.BadRequest("crs", fmt.Sprintf("crs=%s: the file encodings are in WGS 84 (CRS84 or EPSG:4326); ask for GeoJSON in other CRSs", c.URI))
}
