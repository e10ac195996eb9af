package web

// tileRoutes lists the vector tile, TileJSON and OGC API – Tiles routes.
func (s *Server) tileRoutes() []route { return nil }
