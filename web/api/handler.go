package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
)

// HandlerFunc is a handler that returns its error instead of writing it,
// so that one place (Handler.Fail) turns errors into responses.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler serves a HandlerFunc and answers its error.
type Handler struct {
	Fn  HandlerFunc
	Log *slog.Logger
	// Allow is the Allow header for a 405 at the request's path.
	Allow func(r *http.Request) (string, bool)
}

func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.Fn(w, r); err != nil {
		h.Fail(w, r, err)
	}
}

// Fail answers a failed request. Only the server's own failures are
// logged as errors; a client's mistake (a bad parameter, a body cut
// short) is a 4xx that the request's info line explains.
func (h Handler) Fail(w http.ResponseWriter, r *http.Request, err error) {
	ae := Classify(err)
	ri := InfoOf(w)
	if ae.Status >= 500 {
		h.Log.Error("request failed", "request_id", RequestID(w), "method", r.Method,
			"path", r.URL.Path, "err", err)
	} else if ri != nil {
		ri.Err = err.Error()
	}
	if ri != nil && ri.Status != 0 {
		// The response has begun; all that is left is to stop.
		return
	}
	if ae.Status == StatusClientClosed {
		// Nobody is left to read an answer; the log line says what happened.
		if ri != nil {
			ri.Status = StatusClientClosed
		}
		return
	}
	if ae.Status == http.StatusMethodNotAllowed && h.Allow != nil {
		if allow, ok := h.Allow(r); ok {
			w.Header().Set("Allow", allow)
		}
	}
	WriteError(w, ae)
}

// WriteError writes the error body {"code","description"[,"field"]},
// dropping the headers of the answer that was being prepared.
func WriteError(w http.ResponseWriter, ae *Error) {
	h := w.Header()
	if ri := InfoOf(w); ri != nil && ri.ID != "" && len(h["X-Request-Id"]) == 0 {
		// An error's id is what a user quotes to the operator.
		h["X-Request-Id"] = []string{ri.ID}
	}
	h.Set("Content-Type", MediaJSON)
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

// WriteJSON writes v with the given content type.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errors.Join(errors.New("encode response"), err)
	}
	return WriteBytes(w, status, contentType, b)
}

// WriteBytes writes an encoded body with the given content type.
func WriteBytes(w http.ResponseWriter, status int, contentType string, b []byte) error {
	h := w.Header()
	h.Set("Content-Type", contentType)
	// The length spares the chunked framing (the gzip middleware drops
	// it when it compresses).
	h.Set("Content-Length", strconv.Itoa(len(b)))
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

// writeChunk is the piece size of WriteBytes.
const writeChunk = 256 << 10

// Info is what the outer middleware learns while the request is served:
// its id, the route that matched, what was written, and why a client's
// request failed (for the log line).
type Info struct {
	ID     string
	Route  string
	Status int
	Bytes  int64
	Err    string
}

// InfoWriter is the outer middleware's ResponseWriter, which holds the
// request's Info. The Info travels with the writer rather than in the
// request's context: a context value would cost every request a copy of
// its http.Request (WithContext) and a context node.
type InfoWriter interface {
	RequestInfo() *Info
}

// RequestID returns the id the request log line carries.
func RequestID(w http.ResponseWriter) string {
	if ri := InfoOf(w); ri != nil {
		return ri.ID
	}
	return ""
}

// InfoOf returns the request's Info, found through the writers that wrap
// the middleware's (each unwraps as http.ResponseController expects); nil
// outside the middleware.
func InfoOf(w http.ResponseWriter) *Info {
	for {
		switch t := w.(type) {
		case InfoWriter:
			return t.RequestInfo()
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}
