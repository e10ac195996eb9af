package middleware_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/middleware"
)

// TestRecorder_InfoThroughWrappers: a handler finds the request's Info
// through the writers between it and the Recorder (gzip or none), and the
// Recorder notes what was written and answers the id.
func TestRecorder_InfoThroughWrappers(t *testing.T) {
	for _, ae := range []string{"", "gzip"} {
		r := httptest.NewRequest("GET", "/x", nil)
		r.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		w := middleware.NewRecorder(rec, r, "req-7", middleware.Deadlines{Read: time.Minute, Write: time.Minute})
		w.AnswerID()
		var found *api.Info
		middleware.Gzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			found = api.InfoOf(w)
			if found != nil {
				found.Route = "getThing"
			}
			w.Header().Set("Content-Type", "image/png")
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, "twelve bytes")
		})).ServeHTTP(w, r)
		ri := w.RequestInfo()
		if found != ri {
			t.Fatalf("Accept-Encoding %q: the handler found Info %p, the recorder holds %p", ae, found, ri)
		}
		if ri.ID != "req-7" || ri.Route != "getThing" || ri.Status != http.StatusAccepted || ri.Bytes != 12 {
			t.Errorf("Accept-Encoding %q: Info %+v", ae, *ri)
		}
		if got := rec.Header().Get("X-Request-Id"); got != "req-7" {
			t.Errorf("Accept-Encoding %q: X-Request-Id %q", ae, got)
		}
	}
	if api.InfoOf(httptest.NewRecorder()) != nil {
		t.Error("Info found outside the middleware")
	}
}
