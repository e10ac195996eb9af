package basemap_test

import (
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
)

const small = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"layer":"labels","name":"Minsk","population":2000000},"geometry":{"type":"Point","coordinates":[27.56,53.9]}},
{"type":"Feature","properties":{"layer":"land","name":"Big"},"geometry":{"type":"Polygon","coordinates":[[[-170,-80],[170,-80],[170,80],[-170,80],[-170,-80]]]}},
{"type":"Feature","properties":{"layer":"rivers","name":"Dnieper"},"geometry":{"type":"LineString","coordinates":[[30.5,50.4],[30.6,51.5],[30.3,53.0]]}}
]}`

func TestLoad_Small(t *testing.T) {
	b, err := basemap.Load(strings.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range b.Layers {
		names = append(names, l.Name)
	}
	if got := strings.Join(names, ","); got != "land,rivers,labels" {
		t.Errorf("layers %s, want land,rivers,labels (drawing order)", got)
	}
	if f := b.Layers[2].Fields; f["population"] != "number" || f["name"] != "string" || f["layer"] != "" {
		t.Errorf("labels fields %v", f)
	}
	minsk := geo.TileBound(maptile.At(orb.Point{27.56, 53.9}, 10))
	got := map[string]int{}
	for _, l := range b.Tile(minsk) {
		got[l.Name] = len(l.Features)
	}
	if got["land"] != 1 || got["labels"] != 1 || got["rivers"] != 0 {
		t.Errorf("features at Minsk z10: %v, want land 1, labels 1, rivers 0", got)
	}
	if _, err := basemap.Load(strings.NewReader(`{"features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`)); err == nil {
		t.Error("a feature with no layer was accepted")
	}
}

// TestLoad_Asset reads the real embedded asset, and checks that the
// region the service is about has borders, coast and names.
func TestLoad_Asset(t *testing.T) {
	f, err := os.Open("../../assets/basemap/basemap.geojson.gz")
	if err != nil {
		t.Fatalf("%v (the basemap asset is built by make assets)", err)
	}
	defer f.Close()
	b, err := basemap.LoadGzip(f)
	if err != nil {
		t.Fatal(err)
	}
	baltic := orb.Bound{Min: orb.Point{14, 49}, Max: orb.Point{33, 58}}
	got := map[string]int{}
	for _, l := range b.Tile(baltic) {
		got[l.Name] = len(l.Features)
	}
	for _, name := range []string{"land", "boundaries", "coastline", "labels", "water", "rivers"} {
		if got[name] == 0 {
			t.Errorf("no %s in the Baltic region: %v", name, got)
		}
	}
}
