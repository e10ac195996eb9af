// Package crs holds the coordinate reference systems the server offers
// (OGC API – Features Part 2): their URIs, axis orders and projections, in
// pure Go so that the binary stays static. Features are stored in CRS84;
// these convert on the way out and on the way in.
//
// It imports only the standard library (make imports checks): it knows
// nothing of features, geometries or HTTP.
package crs
