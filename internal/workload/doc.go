// Package workload generates the benchmark data set of DESIGN.md: 200,000
// points, 20,000 small polygons (5–12 vertices, 0.5–5 km across) and 2,000
// lines over lon 14–33, lat 49–58, clustered round towns. It is
// deterministic: the same scale always gives the same features, so
// benchmarks of the store, the HTTP layer and the tiles measure the same
// data.
//
// It is for tests and benchmarks only: no production package imports it.
package workload
