package middleware

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets are the upper bounds (seconds) of the latency histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type metricKey struct {
	route  string
	status int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// Metrics counts requests and their latency by route and status, the
// requests in flight, the open event streams and the waits for a query
// slot; the Prometheus text format is written by hand.
type Metrics struct {
	mu    sync.Mutex
	reqs  map[metricKey]uint64
	lat   map[string]*histogram
	start time.Time

	// inflight has one gauge per route, made up front so that counting
	// takes no lock.
	inflight map[string]*atomic.Int64
	// Streams counts the open event streams.
	Streams atomic.Int64
	// Turns counts the times a connection gave up its processor (Turns).
	Turns atomic.Int64
	// slotWaits and slotWaitNanos count the item queries that found every
	// slot taken, and the time they waited.
	slotWaits, slotWaitNanos atomic.Int64
}

// NewMetrics counts for the routes of these names.
func NewMetrics(routes []string) *Metrics {
	m := &Metrics{reqs: map[metricKey]uint64{}, lat: map[string]*histogram{}, start: time.Now(),
		inflight: map[string]*atomic.Int64{}}
	for _, name := range routes {
		m.inflight[name] = new(atomic.Int64)
	}
	return m
}

// SlotWait counts an item query that waited d for a query slot.
func (m *Metrics) SlotWait(d time.Duration) {
	m.slotWaits.Add(1)
	m.slotWaitNanos.Add(int64(d))
}

// writeGauges writes the gauges that need no lock.
func (m *Metrics) writeGauges(buf *bytes.Buffer) {
	buf.WriteString("# HELP sitmap_http_requests_in_flight Requests being served, by route.\n# TYPE sitmap_http_requests_in_flight gauge\n")
	for _, route := range slices.Sorted(maps.Keys(m.inflight)) {
		fmt.Fprintf(buf, "sitmap_http_requests_in_flight{route=%q} %d\n", route, m.inflight[route].Load())
	}
	fmt.Fprintf(buf, "# HELP sitmap_events_streams_open Open /events streams.\n# TYPE sitmap_events_streams_open gauge\nsitmap_events_streams_open %d\n", m.Streams.Load())
	fmt.Fprintf(buf, "# HELP sitmap_query_slot_waits_total Item queries that waited for a query slot.\n# TYPE sitmap_query_slot_waits_total counter\nsitmap_query_slot_waits_total %d\n", m.slotWaits.Load())
	fmt.Fprintf(buf, "# HELP sitmap_query_slot_wait_seconds_total Time item queries spent waiting for a query slot.\n# TYPE sitmap_query_slot_wait_seconds_total counter\nsitmap_query_slot_wait_seconds_total %g\n",
		time.Duration(m.slotWaitNanos.Load()).Seconds())
	fmt.Fprintf(buf, "# HELP sitmap_connection_turns_total Times a busy connection gave up its processor between requests.\n# TYPE sitmap_connection_turns_total counter\nsitmap_connection_turns_total %d\n", m.Turns.Load())
	fmt.Fprintf(buf, "# HELP sitmap_goroutines Goroutines of the process.\n# TYPE sitmap_goroutines gauge\nsitmap_goroutines %d\n", runtime.NumGoroutine())
}

// Observe counts a request to route that answered status after d.
func (m *Metrics) Observe(route string, status int, d time.Duration) {
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs[metricKey{route, status}]++
	h := m.lat[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.lat[route] = h
	}
	i := sort.SearchFloat64s(latencyBuckets, sec)
	if i < len(latencyBuckets) {
		h.counts[i]++
	}
	h.sum += sec
	h.n++
}

// Write writes the counts in the Prometheus text format.
func (m *Metrics) Write(buf *bytes.Buffer) {
	m.writeCounts(buf)
	m.writeGauges(buf)
}

func (m *Metrics) writeCounts(buf *bytes.Buffer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	buf.WriteString("# HELP sitmap_http_requests_total HTTP requests by route and status.\n# TYPE sitmap_http_requests_total counter\n")
	keys := make([]metricKey, 0, len(m.reqs))
	for k := range m.reqs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].status < keys[j].status
	})
	for _, k := range keys {
		fmt.Fprintf(buf, "sitmap_http_requests_total{route=%q,status=\"%d\"} %d\n", k.route, k.status, m.reqs[k])
	}
	buf.WriteString("# HELP sitmap_http_request_duration_seconds HTTP request latency by route.\n# TYPE sitmap_http_request_duration_seconds histogram\n")
	for _, route := range slices.Sorted(maps.Keys(m.lat)) {
		h := m.lat[route]
		var cum uint64
		for i, ub := range latencyBuckets {
			cum += h.counts[i]
			fmt.Fprintf(buf, "sitmap_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", route, strconv.FormatFloat(ub, 'g', -1, 64), cum)
		}
		fmt.Fprintf(buf, "sitmap_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(buf, "sitmap_http_request_duration_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(buf, "sitmap_http_request_duration_seconds_count{route=%q} %d\n", route, h.n)
	}
	fmt.Fprintf(buf, "# HELP sitmap_uptime_seconds Seconds since the server started.\n# TYPE sitmap_uptime_seconds gauge\nsitmap_uptime_seconds %g\n", time.Since(m.start).Seconds())
}

// InFlight is the gauge of the requests being served by a route.
func (m *Metrics) InFlight(route string) *atomic.Int64 { return m.inflight[route] }
