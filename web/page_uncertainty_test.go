package web_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/assets"
)

// seedPoint reads a point feature's position and uncertainty_m from the
// embedded seed, so the test follows the data when positions are revised.
func seedPoint(t *testing.T, collection, id string) (lat, lng, u float64) {
	t.Helper()
	raw, err := fs.ReadFile(assets.FS, "seed/"+collection+".geojson")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID       string `json:"id"`
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				Uncertainty float64 `json:"uncertainty_m"`
			} `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	for _, f := range fc.Features {
		if f.ID == id && len(f.Geometry.Coordinates) == 2 && f.Properties.Uncertainty > 0 {
			return f.Geometry.Coordinates[1], f.Geometry.Coordinates[0], f.Properties.Uncertainty
		}
	}
	t.Fatalf("seed has no point %s/%s with uncertainty_m", collection, id)
	return 0, 0, 0
}

// TestPageUncertainty: the tiles carry uncertainty_m, the page draws it as
// a circle of that radius round the point when zoomed in (and not when
// zoomed out), and the panel states it as text.
func TestPageUncertainty(t *testing.T) {
	env := newPageEnv(t)
	const collection, id = "border-crossings", pageTerespolID
	lat, lng, u := seedPoint(t, collection, id)
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=10/%f/%f&date=2025-09-13&layers=%s", lat, lng, collection))

	tb.waitJS("the crossing in the tiles", fmt.Sprintf(`sitmap.renderedProps(%q, %q) !== null`, collection, id))
	if got := tb.renderedProp(collection, id, "uncertainty_m"); got != strconv.FormatFloat(u, 'f', -1, 64) {
		t.Errorf("tile carries uncertainty_m %q, want %v", got, u)
	}

	circle := fmt.Sprintf(`sitmap.circles.group.getLayers().find(c => c.getLatLng().distanceTo([%f, %f]) < 1)`, lat, lng)
	tb.waitJS("the uncertainty circle", circle+` !== undefined`)
	if r := pageEval[float64](tb, circle+`.getRadius()`); r != u {
		t.Errorf("circle radius %v m, want %v", r, u)
	}
	// Drawn at that size: its pixel radius matches the map's scale there.
	px := pageEval[float64](tb, circle+`._radius`)
	wantPx := pageEval[float64](tb, fmt.Sprintf(`(() => { const m = sitmap.map, c = L.latLng(%f, %f);
		const east = L.latLng(c.lat, c.lng + %f / (111320 * Math.cos(c.lat * Math.PI / 180)));
		return m.latLngToLayerPoint(east).x - m.latLngToLayerPoint(c).x; })()`, lat, lng, u))
	if math.Abs(px-wantPx) > 0.05*wantPx+1 {
		t.Errorf("circle is %.1f px wide, want about %.1f px", px, wantPx)
	}
	if n := pageEval[int](tb, `document.querySelectorAll(".leaflet-uncertainty-pane path").length`); n == 0 {
		t.Error("no circle path in the uncertainty pane")
	}
	tb.screenshot("uncertainty-circle.png")

	// The panel states it.
	tb.clickMap(lat, lng)
	tb.waitJS("the details panel", `!document.getElementById("panel").hidden && ftitle() !== ""`)
	text := pageEval[string](tb, `document.getElementById("panel-body").innerText`)
	if !strings.Contains(text, "Position uncertainty") || !strings.Contains(text, "±") {
		t.Errorf("panel does not state the uncertainty:\n%s", text)
	}

	// Zoomed out, the circles go.
	pageEval[bool](tb, fmt.Sprintf(`(sitmap.map.setView([%f, %f], 6, {animate: false}), true)`, lat, lng))
	tb.waitJS("no circles when zoomed out", `document.body.dataset.uncertaintyCircles === "0" && sitmap.circles.group.getLayers().length === 0`)

	// A value that is not a number is shown as text, never as markup.
	got := pageEval[[]any](tb, `import("/static/page/panel.js").then(({ renderFeature }) => {
		const el = document.createElement("div");
		window.sitmapPwned = false;
		renderFeature(el, { id: "x", geometry: { type: "Point", coordinates: [23, 52] },
			properties: { name: "x", uncertainty_m: "<img src=x onerror=\"window.sitmapPwned = true\">" } }, { collection: "c" });
		return [el.querySelectorAll("img").length, el.textContent.includes("<img src=x")];
	})`)
	if len(got) != 2 || got[0] != float64(0) || got[1] != true {
		t.Errorf("a markup uncertainty_m renders as %v, want no element and the text shown", got)
	}
	tb.noErrors()
}
