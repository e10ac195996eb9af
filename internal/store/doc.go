// Package store defines the contract between the HTTP layer and the
// backends that keep features: the embedded buntdb store and PostGIS.
//
// It imports geo, and internal/cql2 for the filter tree of Query.CQL;
// backends import it, never the other way round.
package store
