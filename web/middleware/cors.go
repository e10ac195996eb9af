package middleware

import "net/http"

// CORS lets pages on any origin read (GET, HEAD) the API; writes stay
// same-origin, whatever the route allows. Preflights are answered here;
// other OPTIONS requests (QGIS asks which methods a layer offers) go to
// options.
func CORS(next, options http.Handler, allowed func(*http.Request) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Access-Control-Allow-Origin"] = hdrAnyOrigin
		h["Access-Control-Expose-Headers"] = hdrExposed
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Access-Control-Request-Method") == "" {
			options.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Language, If-None-Match, Last-Event-ID, X-Request-ID, Cache-Control")
		h.Set("Access-Control-Max-Age", "86400")
		allow, ok := allowed(r)
		if !ok {
			allow = "GET, HEAD, OPTIONS"
		}
		h.Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
	})
}

// Header values shared by every response: net/http only reads them, and a
// handler's Set or Add makes a slice of its own (these have no spare
// capacity to append into).
var (
	hdrAnyOrigin = []string{"*"}
	hdrExposed   = []string{"ETag, Location, Link, X-Request-ID, Content-Crs"}
	hdrVary      = []string{"Accept, Accept-Encoding"}
)
