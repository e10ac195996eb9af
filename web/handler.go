package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
)

// handlerFunc is a handler that returns its error instead of writing it,
// so that one place (ServeHTTP below) turns errors into responses.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

type errorHandler struct {
	fn  handlerFunc
	log *slog.Logger
	// allow is the Allow header for a 405 at the request's path.
	allow func(r *http.Request) (string, bool)
}

func (h errorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h.fn(w, r)
	if err == nil {
		return
	}
	ae := classify(err)
	if ae.Status >= 500 && ae.Status != 499 {
		h.log.Error("request failed", "request_id", requestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	if ri := info(r.Context()); ri != nil && ri.status != 0 {
		// The response has begun; all that is left is to stop.
		return
	}
	if ae.Status == 499 {
		// Nobody is left to read an answer; the log line says what happened.
		if ri := info(r.Context()); ri != nil {
			ri.status = 499
		}
		return
	}
	if ae.Status == http.StatusMethodNotAllowed && h.allow != nil {
		if allow, ok := h.allow(r); ok {
			w.Header().Set("Allow", allow)
		}
	}
	writeError(w, ae)
}

func writeError(w http.ResponseWriter, ae *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Del("ETag")
	h.Del("Content-Encoding")
	h.Del("Content-Length")
	h.Del("Last-Modified")
	h.Set("Cache-Control", "no-store")
	switch ae.Status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="sitmap"`)
	case http.StatusMethodNotAllowed:
		if h.Get("Allow") == "" {
			h.Set("Allow", "GET, HEAD, OPTIONS")
		}
	}
	w.WriteHeader(ae.Status)
	body := map[string]string{"code": ae.Code, "description": ae.Description}
	if ae.Field != "" {
		body["field"] = ae.Field
	}
	_ = json.NewEncoder(w).Encode(body)
}

// writeJSON writes v with the given content type.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errors.Join(errors.New("encode response"), err)
	}
	return writeBytes(w, status, contentType, b)
}

// writeBytes writes an encoded body with the given content type.
func writeBytes(w http.ResponseWriter, status int, contentType string, b []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	// Large bodies go out in pieces, so that a client that went away stops
	// the work (compression above all) at the next piece. A failed write
	// means the client has gone: nothing is left to tell it.
	for len(b) > 0 {
		n := min(len(b), writeChunk)
		if _, err := w.Write(b[:n]); err != nil {
			return nil
		}
		b = b[n:]
	}
	return nil
}

// writeChunk is the piece size of writeBytes.
const writeChunk = 256 << 10
