package web

import (
	"net/http"
	"strings"
)

// base is the absolute URL prefix links start with: Config.BaseURL, or
// the scheme and host the request came in on. X-Forwarded-Proto and
// X-Forwarded-Host count only with Config.TrustProxy: any client can send
// them, and links (and Location) would point wherever it says.
func (s *Server) base(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		fh, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
		if fh = strings.TrimSpace(fh); fh != "" && !strings.ContainsAny(fh, "/\\ @") {
			host = fh
		}
	}
	return scheme + "://" + host
}
