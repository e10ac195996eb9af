// Package peerbench measures sitmap side by side with the servers it is
// compared with (make bench-peers): pg_featureserv and pg_tileserv on the
// same PostgreSQL cluster, Tile38, and a static ceiling, each loaded with
// the 222,000-feature workload and driven from other processes (wrk -t2
// -c16, and a 16-way tile client). It prints one table from one run.
// `/items` is driven twice: by wrk, whose percentiles include the samples
// its correction for coordinated omission adds, and by 16 connections of
// a Go client that time each request as it was served.
//
// The peers' binaries come from PEERS_BIN (make bench-peers builds them);
// a peer whose binary is missing gets a row that says so.
//
// It is for benchmarks only (its code is all in _test.go files): nothing
// imports it, and it drives sitmap and the peers as separate processes,
// through their binaries and HTTP, never by importing web or a backend.
package peerbench
