// Package cql2 is the Common Query Language of OGC API – Features Part 3
// (OGC 21-065r2): one expression tree, parsed from cql2-text (ParseText) or
// cql2-json (ParseJSON), evaluated on features (Match) and walked by the
// PostGIS backend to build SQL.
//
// Values follow the JSON types of the features' properties: a string
// literal compares with string properties only, a number with numbers, a
// boolean with booleans; a comparison with a missing or null property, or
// with a value of another type, is false (two-valued: NOT of it is true).
// Temporal functions work on the temporal properties valid_from and
// valid_to (instants, or the interval INTERVAL(valid_from, valid_to)).
//
// It imports geo and orb only; the store contract (store.Query.CQL) and
// both backends import it.
package cql2
