// Package tilecache keeps rendered tiles in memory, least recently used
// first out, bounded by the bytes they hold. Keys carry everything a tile
// depends on (tileset, z/x/y, datetime and the store versions involved), so
// the cache is never flushed: a write changes the key of the tiles it
// affects, and their old entries age out.
//
// It holds bytes and knows nothing of tiles, HTTP or stores.
package tilecache
