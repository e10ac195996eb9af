package formats

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/sitmap/sitmap/geo"
)

// Format is one file encoding, named as f= and --format name it.
type Format string

// The encodings besides GeoJSON, which the web and dataset packages write
// themselves.
const (
	GeoJSON Format = "geojson"
	GPKG    Format = "gpkg"
	FGB     Format = "fgb"
	KML     Format = "kml"
	KMZ     Format = "kmz"
	CSV     Format = "csv"
)

// Files lists the file encodings in the order the API documents them.
var Files = []Format{GPKG, FGB, KML, KMZ, CSV}

// MediaType is the registered (or, for FlatGeobuf, the customary) media
// type of the encoding.
func (f Format) MediaType() string {
	switch f {
	case GeoJSON:
		return "application/geo+json"
	case GPKG:
		return "application/geopackage+sqlite3"
	case FGB:
		return "application/flatgeobuf"
	case KML:
		return "application/vnd.google-earth.kml+xml"
	case KMZ:
		return "application/vnd.google-earth.kmz"
	case CSV:
		return "text/csv; charset=utf-8"
	}
	return ""
}

// Title names the encoding for people (link titles, the page).
func (f Format) Title() string {
	return map[Format]string{GeoJSON: "GeoJSON", GPKG: "GeoPackage", FGB: "FlatGeobuf",
		KML: "KML", KMZ: "KMZ", CSV: "CSV"}[f]
}

// Ext is the file name extension, without the dot.
func (f Format) Ext() string { return string(f) }

// Parse reads a format name (as f= and --format give it).
func Parse(name string) (Format, bool) {
	f := Format(strings.ToLower(name))
	switch f {
	case GeoJSON, GPKG, FGB, KML, KMZ, CSV:
		return f, true
	case "json":
		return GeoJSON, true
	}
	return "", false
}

// ByExtension guesses the format of a file from its name; GeoJSON is the
// fallback, as it always was for import.
func ByExtension(name string) Format {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(name)), ".")
	if f, ok := Parse(ext); ok {
		return f
	}
	return GeoJSON
}

// Encoder writes features one at a time. Features must come grouped by
// collection (each collection's features together), as queries return
// them; Close finishes the file and must be called once.
type Encoder interface {
	Write(f *geo.Feature) error
	Close() error
}

// NewEncoder starts a file of format f on w for features of the given
// collections (their definitions give the columns and the layers).
func NewEncoder(f Format, w io.Writer, cols []geo.Collection) (Encoder, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("%s: no collection to encode", f)
	}
	s := NewSchema(cols)
	switch f {
	case GPKG:
		return newGPKGEncoder(w, cols, s)
	case FGB:
		return newFGBEncoder(w, cols, s)
	case KML:
		return newKMLEncoder(w, cols, s, false), nil
	case KMZ:
		return newKMLEncoder(w, cols, s, true), nil
	case CSV:
		return newCSVEncoder(w, s)
	}
	return nil, fmt.Errorf("no encoder for format %q", f)
}

// Decode reads every feature of a file of format f. Features carry a
// "collection" property when the file names one (a column, a table, a
// folder). Errors name the feature (position and id) and the field.
func Decode(f Format, r io.Reader) ([]*geo.Feature, error) {
	switch f {
	case GPKG:
		return decodeGPKG(r)
	case FGB:
		return decodeFGB(r)
	case KML:
		return decodeKML(r)
	case KMZ:
		return decodeKMZ(r)
	case CSV:
		return decodeCSV(r)
	}
	return nil, fmt.Errorf("no decoder for format %q", f)
}

// featureName is how errors name a feature: its position and its id.
func featureName(i int, id string) string {
	if id == "" {
		return fmt.Sprintf("#%d", i)
	}
	return fmt.Sprintf("#%d (%s)", i, id)
}

func invalidAt(i int, id, field, format string, args ...any) error {
	return &geo.ValidationError{Feature: featureName(i, id), Field: field, Reason: fmt.Sprintf(format, args...)}
}
