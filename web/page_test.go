package web_test

// The map page, driven in Debian's headless Chromium through chromedp
// against a real server (bunt store in a temporary directory, seed data).
// One subtest per point 1–12 of the page issue. Screenshots go to
// $SITMAP_ARTIFACTS (default: a temporary directory).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/sitmap/sitmap/web"
)

// pageChromium finds Debian's chromium; the tests never download a browser.
func pageChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	t.Fatal("install chromium (apt-get install chromium)")
	return ""
}

func pageArtifacts(t *testing.T) string {
	if d := os.Getenv("SITMAP_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// pageEnv is one served instance and one browser shared by the subtests.
type pageEnv struct {
	ts        *testServer
	http      *httptest.Server
	host      string
	browser   context.Context
	artifacts string
}

func newPageEnv(t *testing.T) *pageEnv {
	t.Helper()
	chromium := pageChromium(t)
	// Links must point at the served instance, not at a placeholder host.
	ts := newTestServer(t, func(c *web.Config) { c.BaseURL = "" })
	hs := httptest.NewServer(ts.srv)
	t.Cleanup(hs.Close)
	u, _ := url.Parse(hs.URL)
	// The server loads its basemap on first use, which is slow under -race:
	// warm it while the browser starts, so page timings are the page's own.
	warm := make(chan struct{})
	go func() {
		defer close(warm)
		if resp, err := http.Get(hs.URL + "/tiles/basemap/6/36/20.mvt"); err == nil {
			resp.Body.Close()
		}
	}()
	t.Cleanup(func() { <-warm })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 720),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	<-warm
	return &pageEnv{ts: ts, http: hs, host: u.Host, browser: bctx, artifacts: pageArtifacts(t)}
}

// tab is one browser page with what it logged.
type pageTab struct {
	t    *testing.T
	env  *pageEnv
	ctx  context.Context
	mu   sync.Mutex
	errs []string // console errors, exceptions and error log entries
	// foreign lists requests to any host but the served instance.
	foreign []string
	dialogs []string
	bytes   float64 // encoded bytes received
}

func (env *pageEnv) newTab(t *testing.T, width, height int64) *pageTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(env.browser)
	t.Cleanup(cancel)
	tb := &pageTab{t: t, env: env, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				tb.errs = append(tb.errs, "console.error: "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.errs = append(tb.errs, "exception: "+msg)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError {
				tb.errs = append(tb.errs, fmt.Sprintf("log %s: %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err == nil && (u.Scheme == "data" || u.Scheme == "blob") {
				return
			}
			if err != nil || u.Host != env.host {
				tb.foreign = append(tb.foreign, e.Request.URL)
			}
		case *network.EventLoadingFinished:
			tb.bytes += e.EncodedDataLength
		case *page.EventJavascriptDialogOpening:
			tb.dialogs = append(tb.dialogs, string(e.Type)+": "+e.Message)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *pageTab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("browser: %v (page errors: %v)", err, tb.errors())
	}
}

// pageHelpersJS wraps an expression with small helpers for the tests.
func pageHelpersJS(expr string) string {
	return `(() => { const ftitle = () => (document.getElementById("feature-title") || {textContent: ""}).textContent; return (` + expr + `); })()`
}

func pageEval[T any](tb *pageTab, expr string) T {
	tb.t.Helper()
	expr = pageHelpersJS(expr)
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// waitJS polls until expr is truthy.
func (tb *pageTab) waitJS(what, expr string) {
	tb.t.Helper()
	expr = pageHelpersJS(expr)
	ctx, cancel := context.WithTimeout(tb.ctx, 45*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[any](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second))); err != nil {
		last, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[any](expr))
		tb.t.Fatalf("waiting for %s (%s): %v; last value %v; page errors %v", what, expr, err, last, tb.errors())
	}
}

// open loads the page at path (with its hash) with the test flag, which
// gives the tests window.sitmap, and waits for the map and its first data
// tiles.
func (tb *pageTab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.env.http.URL + pageTestPath(path)))
	tb.waitJS("the page to start", `document.body.dataset.ready === "1"`)
	tb.waitDataTiles()
}

// pageTestPath adds the test flag (?test) to a path that may carry a
// query and a hash.
func pageTestPath(path string) string {
	base, frag, hasFrag := strings.Cut(path, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	base += sep + "test"
	if hasFrag {
		return base + "#" + frag
	}
	return base
}

// waitDataTiles waits until the data layer for the chosen day has drawn.
func (tb *pageTab) waitDataTiles() {
	tb.t.Helper()
	tb.waitJS("data tiles", `(document.body.dataset.tiles || "").startsWith(sitmap.state.day + "#") && !sitmap.map._animatingZoom`)
}

func (tb *pageTab) errors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.errs...)
}

func (tb *pageTab) noErrors() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errs) > 0 {
		tb.t.Errorf("page logged errors: %q", tb.errs)
	}
	if len(tb.foreign) > 0 {
		tb.t.Errorf("page requested other hosts: %q", tb.foreign)
	}
	if len(tb.dialogs) > 0 {
		tb.t.Errorf("page opened dialogs: %q", tb.dialogs)
	}
}

func (tb *pageTab) screenshot(name string) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(tb.env.artifacts, name)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s", p)
}

// pointOf returns the page coordinates of a position on the map.
func (tb *pageTab) pointOf(lat, lng float64) (float64, float64) {
	tb.t.Helper()
	xy := pageEval[[]float64](tb, fmt.Sprintf(`(() => { const m = sitmap.map; const p = m.latLngToContainerPoint([%f, %f]); const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; })()`, lat, lng))
	return xy[0], xy[1]
}

func (tb *pageTab) clickMap(lat, lng float64) {
	tb.t.Helper()
	x, y := tb.pointOf(lat, lng)
	tb.do(chromedp.MouseClickXY(x, y))
}

func (tb *pageTab) centre() (lat, lng, zoom float64) {
	tb.t.Helper()
	v := pageEval[[]float64](tb, `(() => { const c = sitmap.map.getCenter(); return [c.lat, c.lng, sitmap.map.getZoom()]; })()`)
	return v[0], v[1], v[2]
}

// renderedStatus is the status of a feature in the data tiles on screen.
func (tb *pageTab) renderedProp(collection, id, prop string) string {
	tb.t.Helper()
	return pageEval[string](tb, fmt.Sprintf(`String((sitmap.renderedProps(%q, %q) || {})[%q] ?? "")`, collection, id, prop))
}

const (
	pageTerespolID  = "crossing-terespol-brest-road"
	pageTerespolLat = 52.08208
	pageTerespolLng = 23.63765
)

func TestPage(t *testing.T) {
	env := newPageEnv(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *pageEnv)
	}{
		{"LoadsOfflineWithoutErrors", pageLoadsOfflineWithoutErrors},
		{"LayersToggle", pageLayersToggle},
		{"PopupShowsSources", pagePopupShowsSources},
		{"SliderChangesCrossingState", pageSliderChangesCrossingState},
		{"SliderHighlightsExerciseGrounds", pageSliderHighlightsExerciseGrounds},
		{"SearchFliesToFeature", pageSearchFliesToFeature},
		{"ReadsMGRS", pageReadsMGRS},
		{"MeasureAndRangeRings", pageMeasureAndRangeRings},
		{"PermalinkRestoresView", pagePermalinkRestoresView},
		{"ExportDownloadsGeoJSON", pageExportDownloadsGeoJSON},
		{"EditIsSavedAndSeenLive", pageEditIsSavedAndSeenLive},
		{"EditorAddsMovesAndDeletes", pageEditorAddsMovesAndDeletes},
		{"EditorReshapesPolygon", pageEditorReshapesPolygon},
		{"EscapedNameRunsNothing", pageEscapedNameRunsNothing},
		{"TabletWidth", pageTabletWidth},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, env) })
	}
}

// 1. Offline and pinned: no console error, nothing from another host, small.
func pageLoadsOfflineWithoutErrors(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13")
	tb.waitJS("basemap tiles", `document.querySelectorAll(".leaflet-tile-pane canvas.leaflet-tile-loaded").length > 4`)
	if h := pageEval[float64](tb, `document.getElementById("map").getBoundingClientRect().height`); h < 500 {
		t.Errorf("map is %v px high at 1280×720", h)
	}
	tb.do(chromedp.Sleep(500 * time.Millisecond))
	tb.screenshot("01-situation-2025-09-13.png")
	tb.noErrors()
	tb.mu.Lock()
	total := tb.bytes
	tb.mu.Unlock()
	t.Logf("first load transferred %.0f KB", total/1024)
	if total > 1<<20 {
		t.Errorf("first load transferred %.0f bytes, want under 1 MB", total)
	}
	libs := pageEval[[]string](tb, `[...document.scripts].map(s => s.src).filter(Boolean)`)
	for _, s := range libs {
		if !strings.HasPrefix(s, env.http.URL+"/static/") {
			t.Errorf("script %s is not served by sitmap", s)
		}
	}
}

// 2 and 3. Map, layer control with counts, toggling a layer.
func pageLayersToggle(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=9/%f/%f&date=2025-09-13", pageTerespolLat, pageTerespolLng))
	tb.waitJS("feature counts", `/^[1-9]\d*$/.test(document.getElementById("count-border-crossings").textContent)`)
	if n := pageEval[int](tb, `document.querySelectorAll("#layer-list input[type=checkbox]").length`); n != 5 {
		t.Errorf("layer control has %d layers, want 5", n)
	}
	if n := pageEval[int](tb, `document.querySelectorAll(".leaflet-control-scale").length`); n != 1 {
		t.Errorf("no scale bar")
	}
	pickCrossing := fmt.Sprintf(`sitmap.pickAt(L.latLng(%f, %f)).some(p => p.collection === "border-crossings")`, pageTerespolLat, pageTerespolLng)
	tb.waitJS("the crossing under the cursor", pickCrossing)
	tb.do(chromedp.Click(chromedp.CSS("#layer-border-crossings")))
	tb.waitJS("the layer hidden", `!sitmap.state.visible.has("border-crossings") && !location.hash.includes("border-crossings")`)
	if pageEval[bool](tb, pickCrossing) {
		t.Error("a hidden layer can still be clicked")
	}
	tb.screenshot("02-crossings-hidden.png")
	tb.do(chromedp.Click(chromedp.CSS("#layer-border-crossings")))
	tb.waitJS("the layer shown again", `sitmap.state.visible.has("border-crossings")`)
	tb.waitJS("the crossing clickable again", pickCrossing)
	tb.noErrors()
}

// 4. Inspect: a click opens the panel with status, timeline and sources.
func pagePopupShowsSources(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=10/%f/%f&date=2025-09-13&layers=border-crossings", pageTerespolLat, pageTerespolLng))
	tb.clickMap(pageTerespolLat, pageTerespolLng)
	tb.waitJS("the details panel", `!document.getElementById("panel").hidden && document.querySelectorAll("#panel .sources li").length > 0`)
	title := pageEval[string](tb, `ftitle()`)
	if !strings.Contains(title, "Terespol") {
		t.Errorf("panel title %q, want a Terespol crossing", title)
	}
	links := pageEval[[]string](tb, `[...document.querySelectorAll("#panel .sources a")].map(a => a.href)`)
	if len(links) == 0 {
		t.Fatal("no source links in the panel")
	}
	for _, l := range links {
		if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			t.Errorf("source link %q is not http(s)", l)
		}
	}
	text := pageEval[string](tb, `document.getElementById("panel-body").innerText`)
	for _, want := range []string{"Status on 2025-09-13", "closed", "Confidence", "Timeline", "Sources"} {
		if !strings.Contains(text, want) {
			t.Errorf("panel lacks %q:\n%s", want, text)
		}
	}
	tb.screenshot("03-crossing-details.png")

	// The same by keyboard: focus the map, Enter inspects its centre.
	tb.do(chromedp.Click(chromedp.CSS("#panel-close")))
	tb.waitJS("the panel closed", `document.getElementById("panel").hidden`)
	pageEval[bool](tb, fmt.Sprintf(`(sitmap.map.setView([%f, %f], 10, {animate: false}), true)`, pageTerespolLat, pageTerespolLng))
	tb.do(chromedp.Focus(chromedp.CSS("#map")), chromedp.KeyEvent(kb.Enter))
	tb.waitJS("the panel opened by keyboard", `!document.getElementById("panel").hidden && ftitle().includes("Terespol")`)
	tb.noErrors()
}

// 5. Time: the slider changes a crossing's state between 10 and 13 Sep.
func pageSliderChangesCrossingState(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=9/%f/%f&date=2025-09-10", pageTerespolLat, pageTerespolLng))
	tb.waitJS("the crossing in the tiles", fmt.Sprintf(`sitmap.renderedProps("border-crossings", %q) !== null`, pageTerespolID))
	if got := tb.renderedProp("border-crossings", pageTerespolID, "status"); got != "open" {
		t.Fatalf("on 10 Sep the crossing is drawn %q, want open", got)
	}
	tb.screenshot("04-2025-09-10.png")
	// Keyboard: three days forward on the slider.
	tb.do(chromedp.Focus(chromedp.CSS("#date-slider")),
		chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
	tb.waitJS("13 Sep chosen", `sitmap.state.day === "2025-09-13" && document.getElementById("date-label").dataset.day === "2025-09-13"`)
	tb.waitDataTiles()
	tb.waitJS("the crossing in the new tiles", fmt.Sprintf(`sitmap.renderedProps("border-crossings", %q) !== null`, pageTerespolID))
	if got := tb.renderedProp("border-crossings", pageTerespolID, "status"); got != "closed" {
		t.Errorf("on 13 Sep the crossing is drawn %q, want closed", got)
	}
	if !strings.Contains(pageEval[string](tb, `location.hash`), "date=2025-09-13") {
		t.Error("the date is not in the URL")
	}
	tb.screenshot("04-2025-09-13.png")
	// Play moves the date on by itself.
	tb.do(chromedp.Click(chromedp.CSS("#play")))
	tb.waitJS("play to advance", `sitmap.state.day > "2025-09-13"`)
	tb.do(chromedp.Click(chromedp.CSS("#play")))
	if p := pageEval[string](tb, `document.getElementById("play").getAttribute("aria-pressed")`); p != "false" {
		t.Errorf("play did not stop: aria-pressed=%s", p)
	}
	tb.noErrors()
}

// 5. Time: the training grounds of Zapad 2025 are active 12–16 Sep only.
func pageSliderHighlightsExerciseGrounds(t *testing.T, env *pageEnv) {
	const tg = "tg-gozhsky"
	tb := env.newTab(t, 1280, 720)
	for _, c := range []struct{ day, want string }{{"2025-09-10", "inactive"}, {"2025-09-13", "active"}, {"2025-09-18", "inactive"}} {
		tb.open("/#map=8/53.8200/24.0200&layers=training-grounds&date=" + c.day)
		tb.waitJS("the ground in the tiles", fmt.Sprintf(`sitmap.state.day === %q && sitmap.renderedProps("training-grounds", %q) !== null`, c.day, tg))
		if got := tb.renderedProp("training-grounds", tg, "status"); got != c.want {
			t.Errorf("on %s the ground is drawn %q, want %q", c.day, got, c.want)
		}
		if c.want == "active" {
			tb.screenshot("05-exercise-grounds-active.png")
		}
	}
	tb.noErrors()
}

// 6. Find: search by name, fly to the feature and open it.
func pageSearchFliesToFeature(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=6/54.0000/25.0000&date=2025-09-13")
	tb.do(chromedp.SendKeys(chromedp.CSS("#search"), "Machulishchy"))
	tb.waitJS("search results", `[...document.querySelectorAll("#search-results li.result")].some(li => li.textContent.includes("Machulishchy"))`)
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitJS("the feature opened", `ftitle().includes("Machulishchy")`)
	tb.waitJS("the map to arrive", `(() => { const c = sitmap.map.getCenter(), f = sitmap.state.selected.feature.geometry.coordinates; return !sitmap.map._animatingZoom && Math.abs(c.lat - f[1]) < 0.01 && Math.abs(c.lng - f[0]) < 0.01 && sitmap.map.getZoom() >= 9; })()`)
	tb.screenshot("06-search.png")
	tb.noErrors()
}

// 7. Where: MGRS and lat/lon typed in the search box; cursor position.
func pageReadsMGRS(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=6/54.0000/25.0000&date=2025-09-13")
	tb.do(chromedp.SendKeys(chromedp.CSS("#search"), "35U NV 36890 73042"))
	tb.waitJS("the MGRS result", `document.querySelector("#search-results li.result[data-kind=place]") !== null`)
	tb.do(chromedp.KeyEvent(kb.Enter))
	tb.waitJS("the map at the MGRS point", `(() => { const c = sitmap.map.getCenter(); return !sitmap.map._animatingZoom && Math.abs(c.lat - 53.9045) < 0.001 && Math.abs(c.lng - 27.5615) < 0.001; })()`)
	x, y := tb.pointOf(53.9045, 27.5615)
	tb.do(chromedp.MouseEvent("mouseMoved", x, y))
	tb.waitJS("the cursor readout", `document.getElementById("cursor-dd").textContent.startsWith("Cursor")`)
	readout := pageEval[string](tb, `document.getElementById("cursor-mgrs").textContent`)
	var e, n int
	if _, err := fmt.Sscanf(readout, "MGRS 35U NV %d %d", &e, &n); err != nil || pageAbs(e-36890) > 300 || pageAbs(n-73042) > 300 {
		t.Errorf("cursor MGRS %q, want about 35U NV 36890 73042", readout)
	}
	dd := pageEval[string](tb, `document.getElementById("cursor-dd").textContent`)
	if !regexp.MustCompile(`53\.90\d+°N 27\.56\d+°E`).MatchString(dd) {
		t.Errorf("cursor decimal degrees %q", dd)
	}
	tb.screenshot("07-mgrs.png")
	pageSetValue(tb, "#search", "")
	tb.do(chromedp.SendKeys(chromedp.CSS("#search"), "52.2297, 21.0122"), chromedp.KeyEvent(kb.Enter))
	tb.waitJS("the map at Warsaw", `(() => { const c = sitmap.map.getCenter(); return !sitmap.map._animatingZoom && Math.abs(c.lat - 52.2297) < 0.001 && Math.abs(c.lng - 21.0122) < 0.001; })()`)
	tb.noErrors()
}

// 8. Measure: geodesic distance and bearing; range rings.
func pageMeasureAndRangeRings(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=6/53.0000/25.0000&date=2025-09-13&layers=")
	tb.do(chromedp.Click(chromedp.CSS("#tool-measure")))
	tb.clickMap(52.2297, 21.0122) // Warsaw
	tb.clickMap(53.9045, 27.5615) // Minsk
	tb.waitJS("a measured leg", `document.querySelectorAll("#measure-legs li").length === 1`)
	total := pageEval[string](tb, `document.getElementById("measure-total").textContent`)
	var km float64
	fmt.Sscanf(strings.TrimPrefix(total, "Total: "), "%f km", &km)
	if km < 470 || km > 480 { // Warsaw–Minsk is about 475 km
		t.Errorf("measured %q, want about 475 km", total)
	}
	leg := pageEval[string](tb, `document.querySelector("#measure-legs li").textContent`)
	if !strings.Contains(leg, "bearing 06") {
		t.Errorf("leg %q: want a bearing of about 64°", leg)
	}
	tb.do(chromedp.KeyEvent(kb.Escape))
	tb.do(chromedp.Click(chromedp.CSS("#tool-rings")))
	tb.do(chromedp.Click(chromedp.CSS("#ring-5500")))
	tb.clickMap(53.6, 28.1)
	tb.waitJS("range rings", `document.querySelectorAll("path.range-ring").length === 4`)
	info := pageEval[string](tb, `document.getElementById("ring-info").textContent`)
	if !strings.Contains(info, "300, 500, 1000, 5500 km") {
		t.Errorf("ring info %q", info)
	}
	tb.do(chromedp.Click(chromedp.CSS("#tool-rings")))
	tb.do(chromedp.Sleep(300 * time.Millisecond))
	tb.screenshot("08-measure-rings.png")
	tb.noErrors()
}

// 9. Share: the URL restores centre, zoom, layers, date and selection.
func pagePermalinkRestoresView(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=8/52.5000/24.1000&date=2025-09-14&layers=border-crossings,airfields&sel=airfields/airfield-lida")
	lat, lng, z := tb.centre()
	if z != 8 || math.Abs(lat-52.5) > 0.01 || math.Abs(lng-24.1) > 0.01 {
		t.Errorf("view %f/%f/%f, want 8/52.5/24.1", z, lat, lng)
	}
	tb.waitJS("the selection", `ftitle().includes("Lida")`)
	// Change the view with the controls, then copy the address.
	tb.do(chromedp.Click(chromedp.CSS("#day-next")))
	tb.waitJS("15 Sep", `sitmap.state.day === "2025-09-15"`)
	tb.do(chromedp.Click(chromedp.CSS("#layer-airfields")))
	tb.do(chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")))
	tb.waitJS("zoom 9 in the URL", `location.hash.includes("map=9/") && location.hash.includes("date=2025-09-15") && location.hash.includes("layers=border-crossings&")`)
	link := pageEval[string](tb, `location.href`)
	wantLat, wantLng, _ := tb.centre()

	other := env.newTab(t, 1280, 720)
	other.do(chromedp.Navigate(link))
	other.waitJS("the page to start", `document.body.dataset.ready === "1"`)
	other.waitDataTiles()
	lat, lng, z = other.centre()
	if z != 9 || math.Abs(lat-wantLat) > 0.01 || math.Abs(lng-wantLng) > 0.01 {
		t.Errorf("restored view %f/%f/%f, want 9/%f/%f", z, lat, lng, wantLat, wantLng)
	}
	if d := pageEval[string](other, `sitmap.state.day`); d != "2025-09-15" {
		t.Errorf("restored date %s", d)
	}
	vis := pageEval[[]string](other, `[...document.querySelectorAll("#layer-list input:checked")].map(c => c.dataset.collection)`)
	if strings.Join(vis, ",") != "border-crossings" {
		t.Errorf("restored layers %v", vis)
	}
	other.waitJS("the restored selection", `ftitle().includes("Lida")`)
	other.screenshot("09-permalink.png")
	tb.noErrors()
	other.noErrors()
}

// 10. Export: the features in view download as GeoJSON; the API link.
func pageExportDownloadsGeoJSON(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	dir := t.TempDir()
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13&layers=border-crossings")
	tb.do(pageAllowDownloads(dir), chromedp.Click(chromedp.CSS("#export-view")))
	tb.waitJS("the export", `(sitmap.lastExport || null) !== null`)
	n := pageCheckExport(t, pageReadDownload(tb, dir, "*.geojson", "sitmap-2025-09-13-view"))

	// The API link gives the same query.
	tb.do(chromedp.Click(chromedp.CSS("#copy-api")))
	tb.waitJS("the API links", `document.getElementById("api-links") && document.getElementById("api-links").value.includes("/collections/border-crossings/items?")`)
	link := pageEval[string](tb, `document.getElementById("api-links").value.trim()`)
	if strings.Contains(link, "\n") {
		t.Errorf("one visible layer, several links: %q", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var api struct {
		NumberMatched int `json:"numberMatched"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&api) != nil {
		t.Fatalf("API link %s: status %d", link, resp.StatusCode)
	}
	if api.NumberMatched != n {
		t.Errorf("API link matches %d features, the export has %d", api.NumberMatched, n)
	}
	tb.noErrors()
}

// pageAllowDownloads lets the browser save downloads into dir.
func pageAllowDownloads(dir string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: pagePtr(true),
		})
		return err
	})
}

// pageReadDownload waits for the one JSON file matching glob in dir and
// checks that its name starts with prefix.
func pageReadDownload(tb *pageTab, dir, glob, prefix string) []byte {
	tb.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		files, _ := filepath.Glob(filepath.Join(dir, glob))
		if len(files) == 1 {
			if b, err := os.ReadFile(files[0]); err == nil && json.Valid(b) {
				if !strings.HasPrefix(filepath.Base(files[0]), prefix) {
					tb.t.Errorf("download named %s, want %s…", filepath.Base(files[0]), prefix)
				}
				return b
			}
		}
		if time.Now().After(deadline) {
			all, _ := os.ReadDir(dir)
			tb.t.Fatalf("no downloaded %s in %s (%v); page errors %v", glob, dir, all, tb.errors())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pageCheckExport checks an exported FeatureCollection of the crossings
// and returns how many features it holds.
func pageCheckExport(t *testing.T, raw []byte) int {
	t.Helper()
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			ID         any             `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) == 0 {
		t.Fatalf("export: type %q with %d features", fc.Type, len(fc.Features))
	}
	for _, f := range fc.Features {
		if f.Type != "Feature" || len(f.Geometry) == 0 || f.Properties["name"] == nil {
			t.Errorf("bad feature in export: %v", f)
		}
		if !strings.HasPrefix(fmt.Sprint(f.ID), "crossing-") {
			t.Errorf("export holds %v, from a hidden layer", f.ID)
		}
	}
	return len(fc.Features)
}

// 11 and 12. Edit with a token; the change shows live in a second page.
func pageEditIsSavedAndSeenLive(t *testing.T, env *pageEnv) {
	const cid, fid = "airfields", "airfield-lida"
	viewer := env.newTab(t, 1280, 720)
	viewer.open("/#map=9/53.8800/25.3200&date=2025-09-13&layers=airfields")
	viewer.waitJS("the airfield in the viewer's tiles", fmt.Sprintf(`sitmap.renderedProps(%q, %q) !== null`, cid, fid))
	viewer.waitJS("the change feed", `document.getElementById("live-state").textContent.includes("live")`)
	if n := pageEval[int](viewer, `document.querySelectorAll("#edit-feature, #edit-bar:not([hidden])").length`); n != 0 {
		t.Error("editing controls show without a token")
	}

	editor := env.newTab(t, 1280, 720)
	editor.open(fmt.Sprintf("/#map=9/53.8800/25.3200&date=2025-09-13&layers=airfields&sel=%s/%s", cid, fid))
	editor.waitJS("the panel", `ftitle().includes("Lida")`)
	if n := pageEval[int](editor, `document.querySelectorAll("#edit-feature").length`); n != 0 {
		t.Error("an edit button shows without a token")
	}
	pageStartEditing(editor)
	editor.waitJS("the edit button", `document.getElementById("edit-feature") !== null && window.L && L.PM !== undefined`)
	if v := pageEval[string](editor, `sessionStorage.getItem("sitmap-token") || ""`); v != env.ts.token {
		t.Error("the token is not in sessionStorage")
	}
	if v := pageEval[string](editor, `localStorage.getItem("sitmap-token") || ""`); v != "" {
		t.Error("the token leaked into localStorage")
	}
	editor.do(chromedp.Click(chromedp.CSS("#edit-feature")))
	editor.waitJS("the form", `document.getElementById("edit-form") !== null`)

	// A validation error from the server shows next to its field.
	pageSetValue(editor, "#f-properties-name", "")
	editor.do(chromedp.Click(chromedp.CSS("#edit-save")))
	editor.waitJS("the error next to the name", `(() => { const i = document.getElementById("f-properties-name"); return i && i.getAttribute("aria-invalid") === "true" && i.closest(".field").querySelector(".field-error") !== null; })()`)
	editor.screenshot("11-validation-error.png")

	const newName = "Lida air base (edited in test)"
	pageSetValue(editor, "#f-properties-name", newName)
	editor.do(chromedp.Click(chromedp.CSS("#edit-save")))
	saved := time.Now()
	editor.waitJS("the save", `window.sitmap.lastSave && window.sitmap.lastSave.status === 200`)

	stored := env.ts.getJSON("/collections/" + cid + "/items/" + fid)["properties"].(map[string]any)
	if stored["name"] != newName {
		t.Fatalf("stored name %v, want %q", stored["name"], newName)
	}
	if src, _ := stored["sources"].([]any); len(src) == 0 {
		t.Error("the edit lost the sources")
	}
	viewer.waitJS("the edit in the viewer's map", fmt.Sprintf(`(sitmap.renderedProps(%q, %q) || {}).name === %q`, cid, fid, newName))
	t.Logf("the viewer saw the edit %v after the save", time.Since(saved).Round(time.Millisecond))
	if n := pageEval[int](viewer, `sitmap.state.events`); n < 1 {
		t.Errorf("viewer got %d events", n)
	}
	viewer.screenshot("12-live-viewer.png")
	viewer.noErrors()
}

// 11. Edit: add a point, move it, then delete it, all from the page.
func pageEditorAddsMovesAndDeletes(t *testing.T, env *pageEnv) {
	const cid = "military-sites"
	viewer := env.newTab(t, 1280, 720)
	viewer.open("/#map=9/53.5000/26.5000&date=2025-09-13&layers=" + cid)
	viewer.waitJS("the change feed", `document.getElementById("live-state").textContent.includes("live")`)

	ed := env.newTab(t, 1280, 720)
	ed.open("/#map=9/53.5000/26.5000&date=2025-09-13&layers=" + cid)
	pageStartEditing(ed)
	ed.waitJS("the editing toolbar", `!document.getElementById("edit-bar").hidden && window.L && L.PM !== undefined`)
	id := pageAddDepot(ed, cid, 53.5, 26.5)
	ed.waitJS("the new feature opened", `ftitle() === "Test depot"`)
	viewer.waitJS("the new feature in the viewer's map", fmt.Sprintf(`sitmap.renderedProps(%q, %q) !== null`, cid, id))

	// Move it: drag the marker 100 px east.
	pageClick(ed, "#edit-feature")
	ed.waitJS("the edit form", `document.getElementById("edit-form") !== null && document.querySelector(".leaflet-marker-icon") !== null`)
	x, y := ed.pointOf(53.5, 26.5)
	pageDrag(ed, x, y-10, 100, 0, 10)
	ed.do(chromedp.Click(chromedp.CSS("#edit-save")))
	ed.waitJS("the move", `sitmap.lastSave && sitmap.lastSave.status === 200`)
	var moved struct {
		Geometry struct {
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
	}
	rec := env.ts.get("/collections/" + cid + "/items/" + id)
	if err := json.Unmarshal(rec.Body.Bytes(), &moved); err != nil || len(moved.Geometry.Coordinates) != 2 {
		t.Fatalf("moved feature: %v %s", err, rec.Body)
	}
	if lng := moved.Geometry.Coordinates[0]; lng < 26.6 || lng > 26.8 {
		t.Errorf("after the drag the point is at lon %f, want about 26.69", lng)
	}

	// Delete it.
	pageEval[bool](ed, `(() => { window.confirm = () => true; return true; })()`)
	ed.waitJS("the delete button", `document.getElementById("delete-feature") !== null`)
	pageClick(ed, "#delete-feature")
	ed.waitJS("the panel closed", `document.getElementById("panel").hidden`)
	if rec := env.ts.get("/collections/" + cid + "/items/" + id); rec.Code != http.StatusNotFound {
		t.Errorf("after delete: GET status %d", rec.Code)
	}
	viewer.waitJS("the feature gone from the viewer's map", fmt.Sprintf(`sitmap.renderedProps(%q, %q) === null`, cid, id))
	viewer.noErrors()
}

// 11. Edit: reshape a polygon by dragging one of its vertices.
func pageEditorReshapesPolygon(t *testing.T, env *pageEnv) {
	const cid, fid = "training-grounds", "tg-gozhsky"
	vertices := func() [][]float64 {
		var f struct {
			Geometry struct {
				Coordinates [][][]float64 `json:"coordinates"`
			} `json:"geometry"`
		}
		rec := env.ts.get("/collections/" + cid + "/items/" + fid)
		if err := json.Unmarshal(rec.Body.Bytes(), &f); err != nil || len(f.Geometry.Coordinates) == 0 {
			t.Fatalf("polygon: %v %s", err, rec.Body)
		}
		return f.Geometry.Coordinates[0]
	}
	before := vertices()
	ed := env.newTab(t, 1280, 720)
	ed.open(fmt.Sprintf("/#map=10/53.8200/24.0200&date=2025-09-13&layers=%s&sel=%s/%s", cid, cid, fid))
	pageStartEditing(ed)
	pageClick(ed, "#edit-feature")
	ed.waitJS("the vertex handles", `document.querySelectorAll(".marker-icon:not(.marker-icon-middle)").length > 3`)
	xy := pageEval[[]float64](ed, `(() => { const r = document.querySelector(".marker-icon:not(.marker-icon-middle)").getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	pageDrag(ed, xy[0], xy[1], 40, 40, 8)
	ed.do(chromedp.Click(chromedp.CSS("#edit-save")))
	ed.waitJS("the save", `sitmap.lastSave && sitmap.lastSave.status === 200`)
	after := vertices()
	if len(after) != len(before) {
		t.Fatalf("vertex count %d, was %d", len(after), len(before))
	}
	changed := 0
	for i := range before {
		if math.Abs(before[i][0]-after[i][0]) > 1e-4 || math.Abs(before[i][1]-after[i][1]) > 1e-4 {
			changed++
		}
	}
	if changed != 1 && !(changed == 2 && before[0][0] == before[len(before)-1][0]) {
		t.Errorf("%d vertices moved, want the one dragged", changed)
	}
	ed.screenshot("11-reshaped-polygon.png")
	ed.noErrors()
}

// 4 (escaping). A hostile name shows as text and runs nothing.
func pageEscapedNameRunsNothing(t *testing.T, env *pageEnv) {
	const evil = `<img src=x onerror=alert(1)>`
	body := map[string]any{
		"type":     "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{23.9, 52.6}},
		"properties": map[string]any{
			"name": evil, "name_local": `<script>window.__xss=1</script>`,
			"country": "PL", "status": "open", "confidence": "reported",
			"description": `<img src=x onerror="window.__xss=2"><b>bold</b>`,
			"sources":     []map[string]any{{"title": `<b onmouseover=alert(3)>src</b>`, "publisher": "<i>p</i>", "date": "2025-09-01", "url": "https://example.org/a?b=<c>"}},
		},
	}
	buf, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, env.http.URL+"/collections/border-crossings/items", bytes.NewReader(buf))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+env.ts.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	id := loc[strings.LastIndex(loc, "/")+1:]

	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=10/52.6000/23.9000&date=2025-09-13&layers=border-crossings&sel=border-crossings/" + id)
	tb.waitJS("the panel", `ftitle().length > 0 && document.querySelectorAll("#panel .sources li").length > 0`)
	if title := pageEval[string](tb, `ftitle()`); title != evil {
		t.Errorf("title shows %q, want the characters %q", title, evil)
	}
	// And through search and a click on the map.
	tb.do(chromedp.SendKeys(chromedp.CSS("#search"), "onerror"))
	tb.waitJS("the result", `document.querySelectorAll("#search-results li.result").length > 0`)
	hx, hy := tb.pointOf(52.6, 23.9)
	tb.do(chromedp.MouseEvent("mouseMoved", hx, hy))
	tb.waitJS("the hover name", `[...document.querySelectorAll(".hover-tip")].some(e => e.textContent.includes("<img"))`)
	tb.clickMap(52.6, 23.9)
	tb.do(chromedp.Sleep(500 * time.Millisecond))
	if n := pageEval[int](tb, `document.querySelectorAll("#panel img, #panel script, #panel b, #panel i, #search-results img, #search-results b, .leaflet-tooltip img").length`); n != 0 {
		t.Errorf("feature text became %d elements", n)
	}
	if v := pageEval[string](tb, `String(window.__xss)`); v != "undefined" {
		t.Errorf("injected script ran: window.__xss = %s", v)
	}
	tb.screenshot("04-escaped-name.png")
	tb.noErrors() // no alert dialog, no error
}

// 13. Tablet width: the layer list folds away behind a button.
func pageTabletWidth(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 820, 1180)
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13")
	if pageEval[bool](tb, `getComputedStyle(document.getElementById("sidebar")).visibility === "visible"`) {
		t.Error("the sidebar covers the map on a tablet")
	}
	tb.do(chromedp.Click(chromedp.CSS("#sidebar-toggle")))
	tb.waitJS("the sidebar", `getComputedStyle(document.getElementById("sidebar")).visibility === "visible"`)
	if h := pageEval[float64](tb, `document.getElementById("map").getBoundingClientRect().height`); h < 600 {
		t.Errorf("map is %v px high on a tablet", h)
	}
	if w := pageEval[float64](tb, `document.documentElement.scrollWidth`); w > 820 {
		t.Errorf("page is %v px wide at 820", w)
	}
	tb.screenshot("13-tablet.png")
	tb.noErrors()
}

// pageStartEditing enters the token in the editing dialog.
func pageStartEditing(tb *pageTab) {
	tb.t.Helper()
	tb.do(chromedp.Click(chromedp.CSS("#edit-toggle")))
	tb.waitJS("the token dialog", `document.getElementById("token-input") !== null`)
	tb.do(chromedp.SendKeys(chromedp.CSS("#token-input"), tb.env.ts.token), chromedp.Click(chromedp.CSS("#token-save")))
}

// pageAddDepot draws a new point in collection cid at lat, lng, fills in
// the form, saves it and returns the id the server gave it.
func pageAddDepot(ed *pageTab, cid string, lat, lng float64) string {
	ed.t.Helper()
	pageSetValue(ed, "#new-collection", cid)
	ed.do(chromedp.Click(chromedp.CSS("#add-point")))
	ed.waitJS("draw mode", `sitmap.map.pm.globalDrawModeEnabled()`)
	ed.clickMap(lat, lng)
	ed.waitJS("the new feature form", `document.getElementById("edit-form") !== null`)
	pageSetValue(ed, "#f-properties-name", "Test depot")
	pageSetValue(ed, "#f-properties-country", "by")
	pageSetValue(ed, `.source-row input[data-src="title"]`, "Test source")
	pageSetValue(ed, `.source-row input[data-src="url"]`, "https://example.org/depot")
	ed.do(chromedp.Click(chromedp.CSS("#edit-save")))
	ed.waitJS("the create", `sitmap.lastSave && sitmap.lastSave.status === 201 && sitmap.lastSave.id !== ""`)
	return pageEval[string](ed, `sitmap.lastSave.id`)
}

// pageDrag presses the left button at x, y, moves it by dx, dy in steps
// and lets go, one input event at a time (the tab in front, so that it
// gets them at once while other tabs are open).
func pageDrag(tb *pageTab, x, y, dx, dy float64, steps int) {
	tb.t.Helper()
	drag := []chromedp.Action[chromedp.Void]{pageBringToFront(), chromedp.MouseEvent("mouseMoved", x, y),
		chromedp.MouseEvent("mousePressed", x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= steps; i++ {
		f := float64(i) / float64(steps)
		drag = append(drag, chromedp.MouseEvent("mouseMoved", x+dx*f, y+dy*f, chromedp.ButtonLeft))
	}
	drag = append(drag, chromedp.MouseEvent("mouseReleased", x+dx, y+dy, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	for i, a := range drag {
		c, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		err := chromedp.Do(c, a)
		cancel()
		if err != nil {
			tb.t.Fatalf("drag step %d: %v", i, err)
		}
	}
}

func pagePtr[T any](v T) *T { return &v }

func pageAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// bringToFront makes the tab the active one, so that it gets input events
// at once while other tabs of the test are open.
func pageBringToFront() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.BringToFront, cdp.Empty{})
		return err
	})
}

// clickJS waits for an element and clicks it in one go: panels re-render on
// live updates, so a node found by one command may be gone by the next.
func pageClick(tb *pageTab, sel string) {
	tb.t.Helper()
	tb.waitJS("to click "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true; })()`, sel))
}

// setValue sets an input's value as typing would, firing input and change.
func pageSetValue(tb *pageTab, sel, v string) {
	tb.t.Helper()
	b, _ := json.Marshal(v)
	pageEval[bool](tb, fmt.Sprintf(`(() => { const i = document.querySelector(%q); i.focus(); i.value = %s; i.dispatchEvent(new Event("input", {bubbles: true})); i.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, sel, b))
}

// TestPageExportFormats: the format menu of Export view and Export area
// downloads the visible layer's query as a file (a GeoPackage of the view,
// a KML of a drawn area), which GDAL reads with every matching feature.
func TestPageExportFormats(t *testing.T) {
	env := newPageEnv(t)
	tb := env.newTab(t, 1280, 720)
	dir := t.TempDir()
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13&layers=border-crossings")
	tb.do(pageAllowDownloads(dir))
	// download waits for the one file of the export and checks it against
	// the same query as GeoJSON.
	download := func(ext string) {
		t.Helper()
		tb.waitJS("the export of "+ext, fmt.Sprintf(`(sitmap.lastExportFiles || []).some((u) => u.includes("f=%s"))`, ext))
		u := pageEval[[]string](tb, `sitmap.lastExportFiles`)
		if len(u) != 1 || !strings.HasPrefix(u[0], "/collections/border-crossings/items?") || !strings.Contains(u[0], "datetime=2025-09-13") {
			t.Fatalf("export URLs %v", u)
		}
		want := int(env.ts.getJSON(strings.Replace(u[0], "f="+ext, "f=json", 1) + "&limit=1000")["numberMatched"].(float64))
		name := filepath.Join(dir, "border-crossings."+ext) // as the server names it
		for deadline := time.Now().Add(20 * time.Second); ; {
			if _, err := os.Stat(name); err == nil {
				if partial, _ := filepath.Glob(filepath.Join(dir, "*.crdownload")); len(partial) == 0 {
					break
				}
			}
			if time.Now().After(deadline) {
				all, _ := os.ReadDir(dir)
				t.Fatalf("no %s in %s (%v); page errors %v", name, dir, all, tb.errors())
			}
			time.Sleep(100 * time.Millisecond)
		}
		if got := len(ogrFeatures(t, name)); got != want || want == 0 {
			t.Errorf("%s: GDAL reads %d features, the query matches %d", name, got, want)
		}
	}
	pageSetValue(tb, "#export-format", "gpkg")
	pageClick(tb, "#export-view")
	download("gpkg")

	pageSetValue(tb, "#export-format", "kml")
	pageClick(tb, "#tool-area")
	tb.clickMap(54.5, 22.5)
	tb.clickMap(51.5, 27.5)
	download("kml")
	tb.screenshot("export-formats.png")
	tb.noErrors()
}

// TestPageFilter: the filter box of a layer offers the queryables as one
// types, filters the map and the count, goes into the permalink, the API
// link and the export, shows the server's error as text, and comes back
// from the permalink.
func TestPageFilter(t *testing.T) {
	env := newPageEnv(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *pageEnv)
	}{
		{"SuggestsAndApplies", pageFilterSuggestsAndApplies},
		{"DrawsOnlyMatching", pageFilterDrawsOnlyMatching},
		{"InAPILinkAndExport", pageFilterInAPILinkAndExport},
		{"RefusedShownAsText", pageFilterRefusedShownAsText},
		{"FromPermalink", pageFilterFromPermalink},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, env) })
	}
}

const (
	pageFilterBox  = "#filter-border-crossings"
	pageFilterPL   = "country = 'PL'"
	pageFilterDate = "2025-09-13"
)

// pageFilterCount is how many crossings the filter matches on the date.
func pageFilterCount(t *testing.T, env *pageEnv) int {
	t.Helper()
	n := int(env.ts.getJSON("/collections/border-crossings/items?limit=1&country=PL&datetime=" + pageFilterDate)["numberMatched"].(float64))
	if n == 0 {
		t.Fatal("the seed needs Polish crossings")
	}
	return n
}

// pageFiltered opens a tab whose permalink filters the crossings to
// Poland and waits for the filtered count.
func pageFiltered(t *testing.T, env *pageEnv, view string) *pageTab {
	t.Helper()
	tb := env.newTab(t, 1280, 720)
	tb.open(view + "&date=" + pageFilterDate + "&filter.border-crossings=" + url.QueryEscape(pageFilterPL))
	tb.waitJS("the filtered count", fmt.Sprintf(`document.getElementById("count-border-crossings").textContent === "%d"`, pageFilterCount(t, env)))
	return tb
}

// pageOnly400s fails on page errors other than the 400s of refused filters.
func pageOnly400s(t *testing.T, tabs ...*pageTab) {
	t.Helper()
	for _, tb := range tabs {
		for _, e := range tb.errors() {
			if !strings.Contains(e, "status of 400") {
				t.Errorf("page error: %s", e)
			}
		}
	}
}

// Queryables are offered for the word being typed; Tab completes; Enter
// applies the filter to the count and the permalink.
func pageFilterSuggestsAndApplies(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#date=" + pageFilterDate)
	tb.do(chromedp.Click(chromedp.CSS(pageFilterBox)), chromedp.SendKeys(chromedp.CSS(pageFilterBox), "coun"))
	tb.waitJS("suggestions", `[...document.querySelectorAll("#filter-border-crossings-suggest li")].some((li) => li.textContent === "country")`)
	tb.do(chromedp.SendKeys(chromedp.CSS(pageFilterBox), kb.Tab+" = 'PL'"+kb.Enter))
	tb.waitJS("the filtered count", fmt.Sprintf(`document.getElementById("count-border-crossings").textContent === "%d"`, pageFilterCount(t, env)))
	if v := pageEval[string](tb, `document.querySelector("#filter-border-crossings").value`); v != pageFilterPL {
		t.Errorf("box holds %q after completion", v)
	}
	tb.waitJS("the permalink", fmt.Sprintf(`new URLSearchParams(location.hash.slice(1)).get("filter.border-crossings") === %q`, pageFilterPL))
	pageOnly400s(t, tb)
}

// The map draws the layer from its filtered tiles: a Lithuanian crossing
// is gone, Terespol (PL) is there.
func pageFilterDrawsOnlyMatching(t *testing.T, env *pageEnv) {
	lt := env.ts.getJSON("/collections/border-crossings/items?limit=1&country=LT")["features"].([]any)
	if len(lt) == 0 {
		t.Fatal("the seed needs Lithuanian crossings")
	}
	tb := pageFiltered(t, env, "/#map=7/53.0000/25.5000")
	tb.waitDataTiles()
	ltc := lt[0].(map[string]any)["geometry"].(map[string]any)["coordinates"].([]any)
	for _, c := range []struct {
		lat, lng float64
		id       string
		present  bool
	}{{ltc[1].(float64), ltc[0].(float64), lt[0].(map[string]any)["id"].(string), false}, {pageTerespolLat, pageTerespolLng, pageTerespolID, true}} {
		pageEval[bool](tb, fmt.Sprintf(`(sitmap.map.setView([%f, %f], 11, {animate: false}), true)`, c.lat, c.lng))
		tb.waitJS("tiles there", fmt.Sprintf(`(() => { const b = sitmap.map.getBounds(); return b.contains([%f, %f]); })()`, c.lat, c.lng))
		time.Sleep(500 * time.Millisecond)
		tb.waitDataTiles()
		js := fmt.Sprintf(`sitmap.pickAt(L.latLng(%f, %f)).some((p) => p.id === %q)`, c.lat, c.lng, c.id)
		if c.present {
			tb.waitJS(c.id+" drawn", js)
		} else if pageEval[bool](tb, js) {
			t.Errorf("%s is drawn though the filter leaves it out", c.id)
		}
	}
	pageOnly400s(t, tb)
}

// The API link and the export carry the filter.
func pageFilterInAPILinkAndExport(t *testing.T, env *pageEnv) {
	tb := pageFiltered(t, env, "/#map=7/53.0000/25.5000")
	tb.do(chromedp.Click(chromedp.CSS("#copy-api")))
	tb.waitJS("the API links", `(document.getElementById("api-links") || {value: ""}).value.includes("filter=country")`)
	pageEval[bool](tb, `(document.getElementById("dialog").close(), true)`)
	exported := pageEval[[]float64](tb, `(async () => { sitmap.lastExport = null; document.getElementById("export-view").click();
		for (let i = 0; i < 200 && !sitmap.lastExport; i++) await new Promise((r) => setTimeout(r, 50));
		const xs = (sitmap.lastExport.features || []).filter((f) => String(f.id).startsWith("crossing-"));
		return [xs.length, xs.filter((f) => f.properties.country !== "PL").length]; })()`)
	if exported[0] == 0 || exported[1] != 0 {
		t.Errorf("the export holds %v crossings, %v of them not Polish; want some, all Polish", exported[0], exported[1])
	}
	pageOnly400s(t, tb)
}

// A bad filter is refused with the server's words, shown as text, and the
// applied one stays.
func pageFilterRefusedShownAsText(t *testing.T, env *pageEnv) {
	tb := pageFiltered(t, env, "/#map=7/53.0000/25.5000")
	pageSetValue(tb, pageFilterBox, "name = '<b>x</b>' AND country ==")
	tb.waitJS("the error", `document.getElementById("filter-border-crossings-error").textContent.includes("expected")`)
	if pageEval[bool](tb, `document.querySelector("#filter-border-crossings-error b") !== null`) {
		t.Error("the error message was parsed as markup")
	}
	if f := pageEval[string](tb, `sitmap.state.filters.get("border-crossings")`); f != pageFilterPL {
		t.Errorf("a refused filter replaced the applied one: %q", f)
	}
	pageOnly400s(t, tb)
}

// The permalink brings the filter back into its box; one the server
// refuses opens with the reason in the box and the layer unfiltered.
func pageFilterFromPermalink(t *testing.T, env *pageEnv) {
	tb := pageFiltered(t, env, "/#map=7/53.0000/25.5000")
	if v := pageEval[string](tb, fmt.Sprintf(`document.querySelector(%q).value`, pageFilterBox)); v != pageFilterPL {
		t.Errorf("the box holds %q from the permalink", v)
	}
	refused := env.newTab(t, 1280, 720)
	refused.open("/#filter.border-crossings=" + url.QueryEscape("colour = 'red'"))
	refused.waitJS("the refused permalink filter", `document.getElementById("filter-border-crossings-error").textContent.includes("not a queryable") && !sitmap.state.filters.has("border-crossings")`)
	pageOnly400s(t, tb, refused)
}
