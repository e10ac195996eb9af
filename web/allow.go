package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
	"github.com/sitmap/sitmap/web/api"
)

// allowOrder is the order methods are listed in Allow headers.
var allowOrder = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// pathMethods is one path template of the route table and the methods it
// answers on this server.
type pathMethods struct {
	match *mux.Route // matches the path only, whatever the method
	allow string
}

// allowTable groups the routes by path. Writes are listed only when a
// token is configured: a read-only server does not offer them, and QGIS
// enables editing exactly for the methods that OPTIONS lists.
func (s *Server) allowTable() []pathMethods {
	scratch := mux.NewRouter()
	byPath := map[string][]string{}
	var order []string
	for _, rt := range s.routes {
		if _, ok := byPath[rt.Path]; !ok {
			order = append(order, rt.Path)
		}
		switch rt.Method {
		case http.MethodGet:
			byPath[rt.Path] = append(byPath[rt.Path], http.MethodGet, http.MethodHead)
		case http.MethodHead:
			byPath[rt.Path] = append(byPath[rt.Path], http.MethodHead)
		default:
			if s.cfg.Token != "" {
				byPath[rt.Path] = append(byPath[rt.Path], rt.Method)
			}
		}
	}
	out := make([]pathMethods, 0, len(order))
	for _, p := range order {
		methods := append(byPath[p], http.MethodOptions)
		var list []string
		for _, m := range allowOrder {
			if slices.Contains(methods, m) {
				list = append(list, m)
			}
		}
		out = append(out, pathMethods{match: scratch.NewRoute().Path(p), allow: strings.Join(list, ", ")})
	}
	return out
}

// allowed is the Allow header for the request's path; false when no
// route has that path.
func (s *Server) allowed(r *http.Request) (string, bool) {
	for _, pm := range s.allow {
		var m mux.RouteMatch
		if pm.match.Match(r, &m) {
			return pm.allow, true
		}
	}
	return "", false
}

// handleOptions answers OPTIONS (after the CORS middleware has added its
// headers): 204 with the methods of the route, or 404 for no route.
func (s *Server) handleOptions(w http.ResponseWriter, r *http.Request) error {
	allow, ok := s.allowed(r)
	if !ok {
		return api.NotFound("no resource at " + r.URL.Path)
	}
	w.Header().Set("Allow", allow)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
