// Package web serves sitmap over HTTP: OGC API – Features, vector tiles,
// OGC API – Tiles, the change feed and the map page. It is the only package
// that knows net/http and gorilla/mux.
//
// It imports geo, internal/store (the interface) and the internal packages
// that hold no backend; it never imports internal/store/bunt or
// internal/store/postgis (make imports checks).
package web
