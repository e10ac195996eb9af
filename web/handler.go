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
	if err := h.fn(w, r); err != nil {
		h.fail(w, r, err)
	}
}

// fail answers a failed request. Only the server's own failures are
// logged as errors; a client's mistake (a bad parameter, a body cut
// short) is a 4xx that the request's info line explains.
func (h errorHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := classify(err)
	ri := info(r.Context())
	if ae.Status >= 500 {
		h.log.Error("request failed", "request_id", requestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "err", err)
	} else if ri != nil {
		ri.err = err.Error()
	}
	if ri != nil && ri.status != 0 {
		// The response has begun; all that is left is to stop.
		return
	}
	if ae.Status == statusClientClosed {
		// Nobody is left to read an answer; the log line says what happened.
		if ri != nil {
			ri.status = statusClientClosed
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
