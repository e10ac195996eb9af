package geo

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Tile geometry constants shared by rendering, the HTTP layer and TileJSON.
const (
	// MaxZoom is the deepest zoom served (WebMercatorQuad 0–22).
	MaxZoom = 22
	// TileExtent is the MVT coordinate extent of a tile.
	TileExtent = 4096
	// TileBuffer is how far, in extent units, geometry runs past the tile
	// edge so that lines and outlines join up across tiles.
	TileBuffer = 64
	// MaxLatitude is the latitude limit of Web Mercator.
	MaxLatitude = 85.0511287798066
)

// ParseTile reads z, x and y path values. Errors are ValidationErrors that
// name the field that is not a number or out of range for its zoom.
func ParseTile(z, x, y string) (maptile.Tile, error) {
	zv, err := strconv.ParseUint(z, 10, 8)
	if err != nil || zv > MaxZoom {
		return maptile.Tile{}, invalid("z", "%q is not a zoom level from 0 to %d", z, MaxZoom)
	}
	n := uint64(1) << zv
	xv, err := strconv.ParseUint(x, 10, 32)
	if err != nil || xv >= n {
		return maptile.Tile{}, invalid("x", "%q is not a column from 0 to %d at zoom %d", x, n-1, zv)
	}
	yv, err := strconv.ParseUint(y, 10, 32)
	if err != nil || yv >= n {
		return maptile.Tile{}, invalid("y", "%q is not a row from 0 to %d at zoom %d", y, n-1, zv)
	}
	return maptile.New(uint32(xv), uint32(yv), maptile.Zoom(zv)), nil
}

// TileBound is the tile's bound in longitude and latitude, grown by the
// render buffer and clamped to the range Web Mercator can draw.
func TileBound(t maptile.Tile) orb.Bound {
	b := t.Bound(float64(TileBuffer) / TileExtent)
	b.Min[0] = math.Max(b.Min[0], -180)
	b.Max[0] = math.Min(b.Max[0], 180)
	b.Min[1] = math.Max(b.Min[1], -MaxLatitude)
	b.Max[1] = math.Min(b.Max[1], MaxLatitude)
	return b
}

// TileBBox is TileBound as a query box for Store.Query.
func TileBBox(t maptile.Tile) BBox {
	b := TileBound(t)
	return BBox{West: b.Min[0], South: b.Min[1], East: b.Max[0], North: b.Max[1]}
}
