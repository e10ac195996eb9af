package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sitmap/sitmap/web/api"
)

func (s *Server) serviceRoutes() []api.Route {
	return []api.Route{
		{Method: http.MethodGet, Path: "/events", Name: "getEvents", Summary: "Change feed: Server-Sent Events of every create, replace and delete; Last-Event-ID resumes",
			Tags: []string{"Service"}, Params: []api.Param{{Name: "Last-Event-ID", In: "header", Description: "id of the last event seen, to resume after it",
				Schema: map[string]any{"type": "string"}}, {Name: "lastEventId", In: "query", Description: "the same as Last-Event-ID, for clients that cannot set headers",
				Schema: map[string]any{"type": "string"}}},
			Responses: map[string][]string{"200": {api.MediaEventStream}}, Handle: s.handleEvents},
		{Method: http.MethodGet, Path: "/healthz", Name: "getHealth", Summary: "200 when the store answers, 503 when it does not",
			Tags: []string{"Service"}, Responses: map[string][]string{"200": {api.MediaJSON}, "503": {api.MediaJSON}}, Handle: s.handleHealth},
		{Method: http.MethodGet, Path: "/metrics", Name: "getMetrics", Summary: "Prometheus metrics",
			Tags: []string{"Service"}, Responses: map[string][]string{"200": {"text/plain"}}, Handle: s.handleMetrics},
		{Method: http.MethodGet, Path: "/static/{path:.+}", Name: "getStatic", Summary: "Embedded files: the page and vendored libraries",
			Hidden: true, Handle: s.handleStatic},
	}
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "request_id", api.RequestID(w), "err", err)
		return api.WriteJSON(w, http.StatusServiceUnavailable, api.MediaJSON, map[string]string{"status": "unavailable", "description": "the store does not answer"})
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]string{"status": "ok"})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	s.metrics.Write(&buf)
	fmt.Fprintf(&buf, "# HELP sitmap_query_slots_in_use Query slots taken, of %d.\n# TYPE sitmap_query_slots_in_use gauge\nsitmap_query_slots_in_use %d\n",
		cap(s.querySlots), len(s.querySlots))
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
	return api.WriteBytes(w, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", buf.Bytes())
}
