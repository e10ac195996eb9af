package web

import (
	"context"
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
			Responses: map[string][]string{"200": {"text/event-stream"}}, Handle: s.handleEvents},
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
		s.log.Warn("health check failed", "request_id", api.RequestID(r.Context()), "err", err)
		return api.WriteJSON(w, http.StatusServiceUnavailable, api.MediaJSON, map[string]string{"status": "unavailable", "description": "the store does not answer"})
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]string{"status": "ok"})
}
