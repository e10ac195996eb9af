package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/sitmap/sitmap/web/api"
)

// staticTypes covers extensions the system MIME table may not know.
var staticTypes = map[string]string{
	".js":      "text/javascript; charset=utf-8",
	".mjs":     "text/javascript; charset=utf-8",
	".css":     "text/css; charset=utf-8",
	".html":    "text/html; charset=utf-8",
	".json":    "application/json",
	".geojson": "application/geo+json",
	".svg":     "image/svg+xml",
	".png":     "image/png",
	".woff2":   "font/woff2",
	".woff":    "font/woff",
	".map":     "application/json",
	".txt":     "text/plain; charset=utf-8",
	".md":      "text/markdown; charset=utf-8",
	".pbf":     "application/x-protobuf",
	".mvt":     "application/vnd.mapbox-vector-tile",
	".gz":      "application/gzip",
	".pmtiles": "application/octet-stream",
}

// handleStatic serves every embedded asset file at /static/<path>, with an
// ETag from its content. The page's own files are revalidated on each use;
// vendored libraries are pinned, so caches keep them for a day.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	p := mux.Vars(r)["path"]
	if s.cfg.Assets == nil || !fs.ValidPath(p) {
		return api.NotFound("no file " + p)
	}
	b, err := fs.ReadFile(s.cfg.Assets, p)
	if err != nil {
		return api.NotFound("no file " + p)
	}
	ct, ok := staticTypes[strings.ToLower(path.Ext(p))]
	if !ok {
		if ct = mime.TypeByExtension(path.Ext(p)); ct == "" {
			ct = http.DetectContentType(b)
		}
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	if strings.HasPrefix(p, "vendor/") {
		h.Set("Cache-Control", "public, max-age=86400")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	tag, ok := s.staticTags.Load(p)
	if !ok {
		sum := sha256.Sum256(b)
		tag = `"` + hex.EncodeToString(sum[:12]) + `"`
		s.staticTags.Store(p, tag)
	}
	h.Set("ETag", tag.(string))
	http.ServeContent(w, r, path.Base(p), time.Time{}, bytes.NewReader(b))
	return nil
}
