package assets

import "embed"

// FS holds page/, vendor/, seed/, styles/, fonts/ and basemap/basemap.geojson.gz.
//
//go:embed page vendor seed styles fonts basemap/basemap.geojson.gz
var FS embed.FS
