package tiles

import (
	"strconv"

	"github.com/paulmach/orb/maptile"
)

// Key names one rendered tile. Versions holds the change version of every
// collection the tile draws, so a write makes a new key: no stale tile is
// ever served, and nothing needs flushing.
type Key struct {
	Tileset  string
	Tile     maptile.Tile
	Versions string // "cid@v,cid@v"; the basemap's build version for the basemap
	Datetime string // the datetime parameter as asked, "" for none
	Filter   string // the CQL2 filter's canonical text, "" for none
}

// String is the key as the cache holds it.
func (k Key) String() string {
	b := make([]byte, 0, len(k.Tileset)+len(k.Versions)+len(k.Datetime)+len(k.Filter)+32)
	b = append(append(b, k.Tileset...), '@')
	return string(k.appendTail(append(b, k.Versions...)))
}

// appendTail appends what follows the versions: the tile, the datetime and
// the filter.
func (k Key) appendTail(b []byte) []byte {
	b = append(b, '/')
	b = append(strconv.AppendUint(b, uint64(k.Tile.Z), 10), '/')
	b = append(strconv.AppendUint(b, uint64(k.Tile.X), 10), '/')
	b = append(strconv.AppendUint(b, uint64(k.Tile.Y), 10), '?')
	b = append(b, k.Datetime...)
	if k.Filter != "" {
		// the canonical form: equal filters share a cache entry
		b = append(append(b, "&filter="...), k.Filter...)
	}
	return b
}
