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
}

func (h errorHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h.fn(w, r)
	if err == nil {
		return
	}
	ae := classify(err)
	if ae.Status >= 500 {
		h.log.Error("request failed", "request_id", requestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "err", err)
	}
	writeError(w, ae)
}

func writeError(w http.ResponseWriter, ae *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("ETag")
	w.Header().Del("Content-Encoding")
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
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
