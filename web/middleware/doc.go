// Package middleware holds the HTTP wrappers every sitmap response goes
// through that need nothing of the server: security headers, CORS, gzip,
// a recorder of status and bytes with a deadline per write, request ids
// and log-safe targets.
//
// It imports web/api only.
package middleware
