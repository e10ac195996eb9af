package middleware

import "net/http"

// CORS lets pages on any origin read (GET, HEAD) the API; writes stay
// same-origin, whatever the route allows. Preflights are answered here;
// other OPTIONS requests (QGIS asks which methods a layer offers) go to
// options.
func CORS(next, options http.Handler, allowed func(*http.Request) (string, bool)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Location, Link, X-Request-ID, Content-Crs")
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
