// Package tileapi is the HTTP side of sitmap's vector tiles: the tiles of
// each collection, of all of them and of the basemap, their TileJSON, the
// OGC API – Tiles documents (tile sets, the WebMercatorQuad tile matrix
// set) and the MapLibre styles with their glyphs. Rendering, caching and
// coalescing are internal/tiles' job; this package adds ETags, headers,
// negotiation and links.
//
// It imports web/api and web/query, never web itself.
package tileapi
