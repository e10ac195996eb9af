package web

// extraConformance is the conformance of the other route groups served
// beside OGC API – Features: the tiles (web/tiles.go).
func (s *Server) extraConformance() []string {
	return tileConformance()
}
