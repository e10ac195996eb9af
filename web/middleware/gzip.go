package middleware

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/sitmap/sitmap/internal/gzpool"
	"github.com/sitmap/sitmap/web/api"
)

// compressible lists the content types worth compressing; images, tiles
// that arrive compressed and event streams are left alone.
func compressible(contentType string) bool {
	ct, _, _ := strings.Cut(contentType, ";")
	ct = strings.TrimSpace(strings.ToLower(ct))
	switch {
	case ct == api.MediaEventStream:
		return false
	case strings.HasPrefix(ct, "text/"),
		strings.HasSuffix(ct, "json"),
		strings.HasSuffix(ct, "+json"),
		strings.HasPrefix(ct, "application/vnd.oai.openapi"),
		ct == "application/javascript", ct == "image/svg+xml", ct == "application/xml",
		ct == api.MediaMVT, ct == api.MediaProtobuf:
		return true
	}
	return false
}

// Gzip compresses responses for clients that accept gzip. The
// decision is made when the header is written, from the content type.
func Gzip(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Representations depend on Accept (JSON or HTML) and on
		// Accept-Encoding; caches must key on both.
		if h := w.Header(); len(h["Vary"]) == 0 {
			h["Vary"] = hdrVary
		} else {
			h["Vary"] = append(h["Vary"], hdrVary[0])
		}
		if !api.AcceptsGzip(r.Header.Get("Accept-Encoding")) || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		gw := &gzipWriter{ResponseWriter: w}
		defer gw.close()
		next.ServeHTTP(gw, r)
	})
}

type gzipWriter struct {
	http.ResponseWriter
	gz      *gzip.Writer
	decided bool
}

func (g *gzipWriter) WriteHeader(code int) {
	if !g.decided {
		g.decided = true
		h := g.Header()
		if code != http.StatusNoContent && code != http.StatusNotModified && code != http.StatusPartialContent && code >= 200 &&
			h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) {
			h.Del("Content-Length")
			h.Set("Content-Encoding", "gzip")
			// klauspost/compress at its fastest level compresses a
			// 100-feature page in less than half the time of the standard
			// library, to a smaller size.
			g.gz = gzpool.Get(g.ResponseWriter)
		}
	}
	g.ResponseWriter.WriteHeader(code)
}

func (g *gzipWriter) Write(b []byte) (int, error) {
	if !g.decided {
		if g.Header().Get("Content-Type") == "" {
			g.Header().Set("Content-Type", http.DetectContentType(b))
		}
		g.WriteHeader(http.StatusOK)
	}
	if g.gz != nil {
		return g.gz.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *gzipWriter) Flush() {
	if g.gz != nil {
		_ = g.gz.Flush()
	}
	if f, ok := g.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (g *gzipWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

func (g *gzipWriter) close() {
	if g.gz != nil {
		_ = g.gz.Close()
		gzpool.Put(g.gz)
		g.gz = nil
	}
}
