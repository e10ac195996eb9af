// Package par runs a loop's bodies on every core, for the CPU-bound
// passes over many features (decoding and validating an import, building
// a store's indexes on open) that bunt and internal/dataset share.
//
// It imports only the standard library: no sitmap package.
package par
