// Command ceiling is the static ceiling of make bench-peers: it answers
// every request with the same tile (a median-size one, read into memory at
// start), so its rate is what this machine's loopback, HTTP stack and wrk
// allow when serving costs nothing.
//
// It imports only the standard library: it must cost nothing but the
// serving, so no sitmap package.
package main
