// Package tiles is the vector tile pipeline: it names a tile by a typed
// key that holds the change versions of what it draws, fetches the
// features of each layer through the store's spatial index (or the
// embedded basemap), renders them with geo.Render, compresses the result
// once, caches the bytes, and renders a tile once however many requests
// ask for it at the same time.
//
// It knows no HTTP: web turns its tiles into responses (ETags, headers).
// It imports geo, internal/store (the interface), internal/cql2 (a tile's
// filter), internal/basemap and internal/tilecache.
package tiles
