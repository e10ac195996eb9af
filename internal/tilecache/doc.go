// Package tilecache keeps values in memory, least recently used first out,
// bounded by the bytes they say they cost. The tile pipeline keys rendered
// tiles by everything they depend on (internal/tiles.Key), so the cache is
// never flushed: a write changes the key of the tiles it affects, and their
// old entries age out.
//
// It knows nothing of tiles, HTTP or stores.
package tilecache
