package geo_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
)

// BenchmarkRender renders a dense z9 tile: 3,000 points (thinned) and 300
// small polygons round a town, each with a handful of properties.
func BenchmarkRender(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	status := []string{`"open"`, `"closed"`, `"suspected"`}
	var points, polys []*geo.Feature
	for i := range 3300 {
		x, y := 27.5+r.NormFloat64()*0.1, 53.9+r.NormFloat64()*0.06
		props := map[string]json.RawMessage{
			"name": json.RawMessage(fmt.Sprintf(`"site %d"`, i)), "status": json.RawMessage(status[i%3]),
			"confidence": json.RawMessage(`"medium"`), "valid_from": json.RawMessage(`"2025-09-12"`), "rank": json.RawMessage(fmt.Sprint(i % 40)),
		}
		var g orb.Geometry = orb.Point{x, y}
		if i >= 3000 {
			g = orb.Polygon{{{x, y}, {x + 0.01, y}, {x + 0.01, y + 0.006}, {x, y + 0.006}, {x, y}}}
		}
		f, err := geo.NewFeature(fmt.Sprintf("f%04d", i), g, props)
		if err != nil {
			b.Fatal(err)
		}
		if i >= 3000 {
			polys = append(polys, f)
		} else {
			points = append(points, f)
		}
	}
	layers := []geo.TileLayer{{Name: "points", Features: points}, {Name: "polygons", Features: polys}}
	tile := maptile.At(orb.Point{27.5, 53.9}, 9)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.Render(layers, tile, geo.RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
