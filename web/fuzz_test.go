package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/web"
)

// FuzzQueryString: whatever the query string, items and tiles answer with
// a result or a 4xx that says what was wrong, never a 5xx. `make fuzz`
// runs it for FUZZTIME; plain `go test` runs the seeds.
func FuzzQueryString(f *testing.F) {
	for _, s := range []string{"limit=10&offset=5", "bbox=23,52,24,53&datetime=2025-09-12/P2D", "limit=1;foo=bar", "limit=1&%zz=1",
		"limit=1%", "status=active&country=BY&q=air&sortby=-name,id", "bbox=170,-10,-170,10", "datetime=../2025-09-16",
		"f=html&limit=2", "sortby=+updated", "limit=99999999999999999999", "offset=-1", "datetime=2025-09-12T10:00:00+02:00",
		"icao=UMMM", "f=json&f=json", "=", "&&&", "q=%00%ff"} {
		f.Add(s)
	}
	st, err := bunt.Open(filepath.Join(f.TempDir(), "sitmap.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if err := dataset.LoadSeed(context.Background(), st, assets.FS); err != nil {
		f.Fatal(err)
	}
	srv := web.New(web.Config{Store: st, Assets: assets.FS, BaseURL: "http://sitmap.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.Cleanup(func() { srv.Close() })
	f.Fuzz(func(t *testing.T, query string) {
		for _, p := range []string{"/collections/airfields/items", "/tiles/all/6/36/20.mvt", "/collections/airfields/items/airfield-lida"} {
			req, err := http.NewRequest("GET", "http://sitmap.test"+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.RawQuery = query
			req.Header.Set("Accept", "application/json")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			switch {
			case rec.Code >= 500:
				t.Fatalf("GET %s?%s: %d %s", p, query, rec.Code, rec.Body)
			case rec.Code >= 400:
				var e map[string]string
				if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e["code"] == "" || e["description"] == "" {
					t.Fatalf("GET %s?%s: %d without a JSON error: %s", p, query, rec.Code, rec.Body)
				}
			}
		}
	})
}
