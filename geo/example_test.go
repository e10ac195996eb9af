package geo_test

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
)

// A feature is a value: changes make new ones, and the encoding always
// matches the fields.
func ExampleNewFeature() {
	f, err := geo.NewFeature("terespol", orb.Point{23.6, 52.07}, map[string]json.RawMessage{
		"name":   json.RawMessage(`"Terespol"`),
		"status": json.RawMessage(`"open"`),
	})
	if err != nil {
		panic(err)
	}
	closed := f.WithString("status", "closed")
	fmt.Println(f.String("status"), closed.String("status"))
	fmt.Println(closed.JSON())
	// Output:
	// open closed
	// {"type":"Feature","id":"terespol","geometry":{"type":"Point","coordinates":[23.6,52.07]},"properties":{"name":"Terespol","status":"closed"}}
}

// Render makes one Mapbox Vector Tile with a layer per collection.
func ExampleRender() {
	f, err := geo.DecodeFeature([]byte(`{"type":"Feature","id":"brest","geometry":{"type":"Point","coordinates":[23.69,52.09]},
		"properties":{"name":"Brest","status":"open"}}`))
	if err != nil {
		panic(err)
	}
	tile := maptile.At(orb.Point{23.69, 52.09}, 9)
	data, err := geo.Render([]geo.TileLayer{{Name: "border-crossings", Features: []*geo.Feature{f}}}, tile, geo.RenderOptions{})
	if err != nil {
		panic(err)
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		panic(err)
	}
	for _, l := range layers {
		fmt.Println(l.Name, len(l.Features), l.Features[0].Properties["name"])
	}
	// Output:
	// border-crossings 1 Brest
}
