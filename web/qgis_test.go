package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sitmap/sitmap/web"
)

// qgisPython is Debian's interpreter, which python3-qgis installs into
// (a python3 earlier on PATH, such as a pyenv one, lacks the bindings).
const qgisPython = "/usr/bin/python3"

// qgisResult is what testdata/qgis/check.py prints.
type qgisResult struct {
	QGIS        string `json:"qgis"`
	Collections map[string]struct {
		Valid  bool     `json:"valid"`
		Count  int      `json:"count"`
		Fields []string `json:"fields"`
	} `json:"collections"`
	ExpressionClosed int       `json:"expression_closed"`
	SubsetClosed     int       `json:"subset_closed"`
	TilesAll         qgisTiles `json:"tiles_all"`
	TilesBasemap     qgisTiles `json:"tiles_basemap"`
	Render           struct {
		Path      string   `json:"path"`
		ClosedRed int      `json:"closed_red_pixels"`
		Colours   int      `json:"colours"`
		Errors    []string `json:"errors"`
		Width     int      `json:"width"`
		Height    int      `json:"height"`
	} `json:"render"`
}

type qgisTiles struct {
	Valid       bool     `json:"valid"`
	StyleLoaded bool     `json:"style_loaded"`
	Message     string   `json:"message"`
	Styles      []string `json:"styles"`
	Labeled     bool     `json:"labeled"`
}

// itemPages counts the items requests per collection and page size.
type itemPages struct {
	mu sync.Mutex
	n  map[string]int // "cid limit=N" -> requests
}

func (p *itemPages) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cid, ok := strings.CutPrefix(r.URL.Path, "/collections/"); ok && strings.HasSuffix(cid, "/items") {
			p.mu.Lock()
			p.n[strings.TrimSuffix(cid, "/items")+" limit="+r.URL.Query().Get("limit")]++
			p.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// TestQGIS drives QGIS (PyQGIS, headless) against a served instance: every
// collection as an OGC API – Features layer read 5 features a page, a QGIS
// expression and a subset string, "all" and "basemap" as vector tile layers
// with the server's MapLibre styles, and a PNG of the Poland–Belarus border
// kept in $SITMAP_ARTIFACTS.
func TestQGIS(t *testing.T) {
	if err := exec.Command(qgisPython, "-c", "import qgis.core").Run(); err != nil {
		t.Fatalf("PyQGIS not found (%v): install python3-qgis (apt-get install python3-qgis; make deps does this)", err)
	}
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	pages := &itemPages{n: map[string]int{}}
	hs := httptest.NewServer(pages.wrap(ts.srv))
	defer hs.Close()
	out := pageArtifacts(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, qgisPython, append([]string{filepath.Join("testdata", "qgis", "check.py"), hs.URL, out}, seedCollections...)...)
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil { // Qt wants its runtime directory private
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+runtime)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("check.py: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	var res qgisResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("check.py output: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("QGIS %s; the border rendered to %s", res.QGIS, res.Render.Path)

	for _, cid := range seedCollections {
		c, want := res.Collections[cid], ts.count(cid)
		if !c.Valid || c.Count != want {
			t.Errorf("%s in QGIS: valid %v, %d features, want %d", cid, c.Valid, c.Count, want)
		}
		for _, f := range []string{"name", "status", "confidence", "sources"} {
			if !slices.Contains(c.Fields, f) {
				t.Errorf("%s in QGIS lacks the field %s: %v", cid, f, c.Fields)
			}
		}
		if n := pages.n[cid+" limit=5"]; n < (want+4)/5 {
			t.Errorf("%s: QGIS made %d requests of 5 features for %d features (requests %v)", cid, n, want, pages.n)
		}
	}
	closed := int(ts.getJSON("/collections/border-crossings/items?status=closed&limit=1000")["numberMatched"].(float64))
	if closed == 0 || res.ExpressionClosed != closed || res.SubsetClosed != closed {
		t.Errorf("closed crossings: expression %d, subset string %d, want %d", res.ExpressionClosed, res.SubsetClosed, closed)
	}
	checkQGISTiles(t, "all", res.TilesAll, "border-crossings-closed-confirmed")
	checkQGISTiles(t, "basemap", res.TilesBasemap, "boundaries")

	r := res.Render
	if len(r.Errors) > 0 || r.Width != 1000 || r.Height != 1500 || r.Colours < 50 {
		t.Errorf("render: %+v", r)
	}
	if r.ClosedRed == 0 {
		t.Errorf("the render of the border shows no closed crossing (no pixel of its red): %s", r.Path)
	}
	if st, err := os.Stat(r.Path); err != nil || st.Size() < 10_000 {
		t.Errorf("render file %s: %v", r.Path, err)
	}
}

func checkQGISTiles(t *testing.T, id string, got qgisTiles, wantStyle string) {
	t.Helper()
	if !got.Valid || !got.StyleLoaded || !got.Labeled || !slices.Contains(got.Styles, wantStyle) {
		t.Errorf("%s as a QGIS vector tile layer: valid %v, style loaded %v (%s), labels %v, styles %v",
			id, got.Valid, got.StyleLoaded, got.Message, got.Labeled, got.Styles)
	}
}
