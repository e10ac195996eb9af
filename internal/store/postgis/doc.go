// Package postgis is the scale-out Store: PostgreSQL 15+ with PostGIS 3,
// through a pgx connection pool. Several processes (replicas) may share one
// database: every one sees the others' writes at once, and every one's
// Subscribe carries every one's changes (LISTEN/NOTIFY).
//
// Features are rows of the features table: the geometry (from WKB that orb
// encodes, so coordinates keep every bit) under a GiST index, the
// properties object as written (features are rebuilt from it, byte for
// byte) and as jsonb, and columns derived in Go for what queries filter and
// sort on, so the answers are the embedded store's to the last bit.
//
// It imports geo and internal/store; never web, cmd or internal/dataset.
package postgis
