// Package postgis is the scale-out Store: PostgreSQL 15+ with PostGIS 3,
// through a pgx connection pool. Several processes (replicas) may share one
// database: every one sees the others' writes at once, and every one's
// Subscribe carries every one's changes (LISTEN/NOTIFY).
//
// Features are rows of the features table: the geometry (from WKB that orb
// encodes, so coordinates keep every bit) under a GiST index, the
// properties object as geo encodes it (the GeoJSON served is written again
// around it from the id and the geometry, the same bytes), and columns
// derived in Go for what queries filter and sort on, so the answers are
// the embedded store's to the last bit. Bulk writes store rows in spatial order, so the
// matches of a bbox share heap pages. Reads may go to hot standbys
// (WithReadStores), never older than the writes before them.
//
// It imports geo and internal/store; never web, cmd or internal/dataset.
package postgis
