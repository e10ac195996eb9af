package tileapi

import "testing"

func TestSplitTilePath(t *testing.T) {
	tests := []struct {
		path             string
		ok               bool
		tileset, z, x, y string
	}{
		{"/tiles/all/9/289/167.mvt", true, "all", "9", "289", "167"},
		{"/tiles/border-crossings/0/0/0.mvt", true, "border-crossings", "0", "0", "0"},
		{"/tiles/all/9/289/x.mvt", true, "all", "9", "289", "x"}, // the handler rejects the number
		{"/tiles/all/9/289/167.pbf", false, "", "", "", ""},
		{"/tiles/all/9/289.mvt", false, "", "", "", ""},
		{"/tiles/all/9/289/167/1.mvt", false, "", "", "", ""},
		{"/tiles//9/289/167.mvt", false, "", "", "", ""},
		{"/tiles/./9/289/167.mvt", false, "", "", "", ""},
		{"/tiles/../9/289/167.mvt", false, "", "", "", ""},
		{"/tiles/all.json", false, "", "", "", ""},
		{"/collections/all/tiles/WebMercatorQuad/9/167/289", false, "", "", "", ""},
	}
	for _, tt := range tests {
		ts, z, x, y, ok := SplitTilePath(tt.path)
		if ok != tt.ok || ts != tt.tileset || z != tt.z || x != tt.x || y != tt.y {
			t.Errorf("%s: %q %q %q %q %v, want %q %q %q %q %v", tt.path, ts, z, x, y, ok, tt.tileset, tt.z, tt.x, tt.y, tt.ok)
		}
	}
}
