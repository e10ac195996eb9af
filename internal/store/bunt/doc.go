// Package bunt is the embedded Store: one buntdb file, fsynced on every
// commit and locked to one process, with buntdb's R-tree per collection on
// the features' bounding rects, so bbox queries walk the index and never
// scan. Features are also kept in memory as immutable geo.Feature values
// that share buntdb's bytes of their GeoJSON, so filters never re-parse it.
//
// It imports geo and internal/store; never web, cmd or internal/dataset.
package bunt
