// Package glyphs renders the font glyph ranges that MapLibre styles load
// through their "glyphs" URL: for one font and 256 code points, a protobuf
// of signed distance fields (SDF), made as MapLibre's own TinySDF makes
// them (24-pixel font, 3-pixel buffer, radius 8, cutoff 0.25), so that a
// map that labels features needs no font server on the internet.
//
// It imports golang.org/x/image and the standard library only.
package glyphs
