// Package middleware holds the HTTP wrappers every sitmap response goes
// through that need nothing of the server: security headers, CORS, gzip,
// a recorder of status and bytes with a deadline per write, request ids,
// log-safe targets, and the turns that keep-alive connections take.
//
// It imports web/api only.
package middleware
