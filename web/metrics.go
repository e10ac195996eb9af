package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
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

// metrics counts requests and their latency by route and status; the
// Prometheus text format is written by hand.
type metrics struct {
	mu    sync.Mutex
	reqs  map[metricKey]uint64
	lat   map[string]*histogram
	start time.Time
}

func newMetrics() *metrics {
	return &metrics{reqs: map[metricKey]uint64{}, lat: map[string]*histogram{}, start: time.Now()}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
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

func (m *metrics) write(buf *bytes.Buffer) {
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
	for _, route := range sortedKeys(m.lat) {
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

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	s.metrics.write(&buf)
	cols, err := s.cfg.Store.Collections(r.Context())
	up := 1
	if err != nil {
		up = 0
	}
	buf.WriteString("# HELP sitmap_store_up Whether the store answered the last scrape.\n# TYPE sitmap_store_up gauge\n")
	fmt.Fprintf(&buf, "sitmap_store_up %d\n", up)
	buf.WriteString("# HELP sitmap_store_features Features per collection.\n# TYPE sitmap_store_features gauge\n")
	for _, c := range cols {
		fmt.Fprintf(&buf, "sitmap_store_features{collection=%q} %d\n", c.ID, c.Count)
	}
	buf.WriteString("# HELP sitmap_store_version Change version per collection.\n# TYPE sitmap_store_version counter\n")
	for _, c := range cols {
		fmt.Fprintf(&buf, "sitmap_store_version{collection=%q} %d\n", c.ID, c.Version)
	}
	v := s.cfg.Version
	fmt.Fprintf(&buf, "# HELP sitmap_build_info The running version.\n# TYPE sitmap_build_info gauge\nsitmap_build_info{version=%q} 1\n", v)
	w.Header().Set("Cache-Control", "no-store")
	return writeBytes(w, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", buf.Bytes())
}
