// Package storebench is the benchmark suite every store.Store backend
// runs, as storetest is the contract it passes: one body per figure
// (import, bbox query, CQL2 filter against equality, parallel queries) on
// the same workload (internal/workload) and the same boxes, so that the
// backends' figures compare. A backend's _test.go calls these functions
// with its own store; what only one backend has (bunt's memory report and
// reopen) stays in that backend's tests.
//
// It is for benchmarks only: no production package imports it, and it
// imports no backend.
package storebench
