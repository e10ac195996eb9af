// Package formats encodes features as the files analysts open directly
// (GeoPackage, FlatGeobuf, KML/KMZ, CSV) and decodes them back for the
// importer. Encoders stream: they hold a few bytes per feature at most
// (FlatGeobuf's index entries), never the features themselves; Stream
// reads a store a chunk at a time.
//
// It imports geo, internal/store (the interface, never a backend) and its
// generated internal/formats/flatgeobuf; no HTTP. GeoPackage goes through
// modernc.org/sqlite, pure Go, so the binary stays static.
package formats
