// Package geo is sitmap's domain: the Feature value and its GeoJSON,
// collections, validation, bbox and time filters, the query vocabulary
// (sort keys, equality and text terms), tile math and vector-tile
// rendering.
//
// It is pure: it imports only orb and the standard library, and knows
// nothing of HTTP, storage or files.
package geo
