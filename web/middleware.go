package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/middleware"
	"github.com/sitmap/sitmap/web/query"
	"github.com/sitmap/sitmap/web/tileapi"
)

// named records which route served the request, for logs and metrics.
func named(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri := api.InfoOf(w); ri != nil {
			ri.Route = name
		}
		h.ServeHTTP(w, r)
	})
}

// serveRoute serves one route: it records the route for logs and metrics,
// counts the request in flight, and rejects a query string that does
// not parse or (see query.Check) holds parameters the route does not take.
func (s *Server) serveRoute(rt api.Route, h http.Handler) http.Handler {
	allowed := query.Names(rt)
	inflight := s.metrics.InFlight(rt.Name)
	eh := s.errorHandler(nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ri := api.InfoOf(w); ri != nil {
			ri.Route = rt.Name
		}
		inflight.Add(1)
		defer inflight.Add(-1)
		if r.URL.RawQuery != "" {
			if err := query.Check(r.URL.RawQuery, allowed); err != nil {
				eh.Fail(w, r, err)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// middleware wraps the router: request id, security headers, deadlines,
// log line and metrics outermost, then CORS, then gzip. OPTIONS requests
// that are not CORS preflights go to options. Tile requests go straight
// to the tile route, with the tile headers (middleware.TileHeaders): the
// router would find it after trying regular expressions on the path, and
// a tile needs neither the CORS nor the gzip wrapper (it has its own
// gzip form).
func (s *Server) middleware(next, options http.Handler) http.Handler {
	next = middleware.Gzip(next)
	next = middleware.CORS(next, options, s.allowed)
	vary := s.cfg.TrustProxy && s.cfg.BaseURL == ""
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id") // canonical: Get makes no copy of the name
		sent := id != "" && len(id) <= 128 && !strings.ContainsAny(id, "\r\n")
		if !sent {
			id = middleware.NewRequestID()
		}
		rec := middleware.NewRecorder(w, r, id, s.deadlines)
		if isTileRequest(r) {
			// A map view asks for dozens of tiles: an id the client did
			// not send is in the log line, and in the answer only if it
			// is an error (api.WriteError).
			if sent {
				rec.AnswerID()
			}
			middleware.TileHeaders.Set(w.Header())
			s.tileRoute.ServeHTTP(rec, r)
		} else {
			rec.AnswerID()
			s.documentHeaders.Set(w.Header())
			if vary {
				// Links depend on these headers: a shared cache must not
				// hand one client's links to another.
				w.Header()["Vary"] = hdrVaryForwarded
			}
			next.ServeHTTP(rec, r)
		}
		end := time.Now()
		s.logRequest(r, rec.RequestInfo(), start, end)
		s.turns.Done(r.Context(), start, end)
	})
}

// isTileRequest reports whether r asks for a vector tile of a tile set.
func isTileRequest(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	_, _, _, _, ok := tileapi.SplitTilePath(r.URL.Path)
	return ok
}

var hdrVaryForwarded = []string{"X-Forwarded-Host, X-Forwarded-Proto"}

func (s *Server) logRequest(r *http.Request, ri *api.Info, start, end time.Time) {
	d := end.Sub(start)
	if ri.Status == 0 {
		ri.Status = http.StatusOK
	}
	route := ri.Route
	if route == "" {
		route = "unmatched"
	}
	s.metrics.Observe(route, ri.Status, d)
	a := middleware.Access{Time: end, Method: r.Method, Path: middleware.LogTarget(r.URL), Status: ri.Status,
		Bytes: ri.Bytes, Duration: d, RequestID: ri.ID, Route: route, Err: ri.Err}
	if s.access != nil {
		_ = s.access.Write(&a)
		return
	}
	s.logAccess(r.Context(), &a)
}

// logAccess sends a request's line through Log.
func (s *Server) logAccess(ctx context.Context, a *middleware.Access) {
	// The record goes straight to the handler (as slog's own wrappers
	// do): Logger.LogAttrs would read the clock again and walk the stack
	// for a source location that an access line has no use for.
	h := s.log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// Typed attributes: no []any to box every value into.
	attrs := [...]slog.Attr{slog.String("method", a.Method), slog.String("path", a.Path),
		slog.Int("status", a.Status), slog.Int64("bytes", a.Bytes), slog.Duration("duration", a.Duration),
		slog.String("request_id", a.RequestID), slog.String("route", a.Route), slog.String("err", a.Err)}
	n := len(attrs)
	if a.Err == "" {
		n--
	}
	rec := slog.NewRecord(a.Time, slog.LevelInfo, "request", 0)
	rec.AddAttrs(attrs[:n]...)
	_ = h.Handle(ctx, rec)
}
