// Package query reads the query parameters (and the CRS headers) of
// sitmap's requests into the values the store and geo take: the items
// query, CQL2 filters, CRSs and bboxes in them, output formats. Every
// mistake is an api.Error naming the parameter.
//
// It knows HTTP requests, not handlers, the store's implementations or
// other web packages than api.
package query
