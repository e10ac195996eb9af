// Package gzpool is sitmap's one pool of gzip writers (klauspost/compress
// at its fastest level), shared by the HTTP middleware and the tile
// pipeline: each writer holds about a megabyte of tables, too much to
// make per response.
//
// It imports only klauspost/compress and the standard library: no sitmap
// package, nothing of HTTP.
package gzpool
