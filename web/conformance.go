package web

import (
	"github.com/sitmap/sitmap/web/query"
	"github.com/sitmap/sitmap/web/tileapi"
)

// extraConformance is the conformance of the other route groups served
// beside OGC API – Features Part 1: Part 2 (web/crs.go), Part 4's update
// when writes are enabled (web/patch.go) and the tiles (web/tiles.go).
func (s *Server) extraConformance() []string {
	out := []string{query.CRSConformance, confSchemas}
	if s.cfg.Token != "" {
		out = append(out, confUpdate)
	}
	return append(out, tileapi.Conformance()...)
}
