package web_test

// The page's record time (issue 12, point 4) in headless Chromium: the
// History tab of the feature panel, "changed since", "as recorded on", and
// both times in the permalink. Features are written through the API; the
// page reads /versions, /changes and as_of.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	pageLidaID  = "airfield-lida"
	pageLidaLat = 53.877
	pageLidaLng = 25.377
)

func TestPageHistory(t *testing.T) {
	env := newPageEnv(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *pageEnv)
	}{
		{"HooksOnlyWithTestFlag", pageHooksOnlyWithTestFlag},
		{"HistoryTabShowsEdits", pageHistoryTabShowsEdits},
		{"ChangedSinceHighlightsWritten", pageChangedSinceHighlightsWritten},
		{"AsRecordedOnShowsEarlierVersion", pageAsRecordedOnShowsEarlierVersion},
		{"TimesSurviveReload", pageTimesSurviveReload},
		{"DiffOfVersions", pageDiffOfVersions},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, env) })
	}
}

// pageReplace rewrites a feature through the API (PUT), after change has
// edited its GeoJSON.
func pageReplace(t *testing.T, env *pageEnv, cid, fid string, change func(f map[string]any)) {
	t.Helper()
	target := "/collections/" + cid + "/items/" + fid
	var f map[string]any
	if rec := env.ts.get(target); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &f) != nil {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	delete(f["properties"].(map[string]any), "updated")
	change(f)
	body, _ := json.Marshal(f)
	rec := env.ts.do(http.MethodPut, target, bytes.NewReader(body),
		"Content-Type", "application/geo+json", "Authorization", "Bearer "+env.ts.token)
	if rec.Code != http.StatusOK {
		t.Fatalf("PUT %s: %d %s", target, rec.Code, rec.Body)
	}
}

func pageRename(t *testing.T, env *pageEnv, cid, fid, name string) {
	t.Helper()
	pageReplace(t, env, cid, fid, func(f map[string]any) { f["properties"].(map[string]any)["name"] = name })
}

// pageMark is a whole second after every write so far (the page's time
// inputs hold seconds); it returns once that second has passed, so later
// writes fall after it.
func pageMark() time.Time {
	mark := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	time.Sleep(time.Until(mark) + 20*time.Millisecond)
	return mark
}

// Without ?test the page has no window.sitmap; with it, the tests' handles.
func pageHooksOnlyWithTestFlag(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.do(chromedp.Navigate(env.http.URL + "/#map=7/53.0000/25.5000&date=2025-09-13"))
	tb.waitJS("the page to start", `document.body.dataset.ready === "1"`)
	if v := pageEval[string](tb, `typeof window.sitmap`); v != "undefined" {
		t.Errorf("without ?test window.sitmap is a %s", v)
	}
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13")
	if v := pageEval[string](tb, `typeof window.sitmap.pickAt`); v != "function" {
		t.Errorf("with ?test sitmap.pickAt is a %s", v)
	}
	tb.noErrors()
}

// History: after a rename and a move with a new source, the tab lists both
// versions: the name old and new side by side, the metres moved, the source.
func pageHistoryTabShowsEdits(t *testing.T, env *pageEnv) {
	const oldName, newName = "Lida air base", "Lida air base <b>renamed</b>"
	pageRename(t, env, "airfields", pageLidaID, newName)
	pageReplace(t, env, "airfields", pageLidaID, func(f map[string]any) {
		g := f["geometry"].(map[string]any)
		g["coordinates"] = []float64{pageLidaLng, pageLidaLat + 0.01} // 1,112 m north
		p := f["properties"].(map[string]any)
		p["sources"] = append(p["sources"].([]any), map[string]any{"title": "Test imagery note", "publisher": "Test", "date": "2026-12-01", "url": "https://example.org/note"})
	})
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=9/%f/%f&date=2025-09-13&layers=airfields&sel=airfields/%s", pageLidaLat, pageLidaLng, pageLidaID))
	tb.waitJS("the panel", `ftitle().includes("renamed")`)
	pageClick(tb, "#tab-history")
	tb.waitJS("the versions", `document.querySelectorAll("#tab-panel-history li.version").length >= 2`)
	type version struct {
		Change, Editor, Moved, Added string
		Name                         []string
	}
	vs := pageEval[[]version](tb, `[...document.querySelectorAll("#tab-panel-history li.version")].map((li) => ({
		change: li.querySelector(".change").textContent, editor: li.querySelector(".editor").textContent,
		moved: (li.querySelector(".moved") || {dataset: {}}).dataset.metres || "",
		added: (li.querySelector(".sources-added") || {textContent: ""}).textContent,
		name: [...li.querySelectorAll('tr[data-prop="name"] td')].map((td) => td.textContent) }))`)
	move, rename := vs[0], vs[1]
	if move.Change != "replaced" || move.Moved == "" || !strings.Contains(move.Added, "Test imagery note") || len(move.Name) != 0 {
		t.Errorf("newest version %+v: want replaced, moved, the source added, the name unchanged", move)
	}
	var metres float64
	fmt.Sscan(move.Moved, &metres)
	if metres < 1100 || metres > 1125 {
		t.Errorf("moved %v m, want about 1,112", metres)
	}
	if rename.Change != "replaced" || len(rename.Name) != 2 || rename.Name[0] != oldName || rename.Name[1] != newName || rename.Moved != "" {
		t.Errorf("older version %+v: want the name %q → %q, not moved", rename, oldName, newName)
	}
	if move.Editor == "" || move.Editor == "unknown" {
		t.Errorf("the version names no editor: %+v", move)
	}
	if n := pageEval[int](tb, `document.querySelectorAll("#tab-panel-history b").length`); n != 0 {
		t.Error("a property's text became markup in the History tab")
	}
	tb.screenshot("history-tab.png")
	tb.noErrors()
}

// Changed since: only the feature written after the chosen time is drawn
// with the highlight, though others are drawn around it.
func pageChangedSinceHighlightsWritten(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=9/%f/%f&date=2025-09-13", pageTerespolLat, pageTerespolLng))
	tb.waitJS("the crossing in the tiles", fmt.Sprintf(`sitmap.renderedProps("border-crossings", %q) !== null`, pageTerespolID))
	mark := pageMark()
	loads := pageEval[int](tb, `sitmap.state.loads`)
	pageRename(t, env, "border-crossings", pageTerespolID, "Terespol–Brest (changed)")
	// The write's live event redraws the map: let that settle first.
	tb.waitJS("the map redrawn after the write", fmt.Sprintf(`sitmap.state.loads > %d`, loads))
	pageSetValue(tb, "#changed-since", mark.Format("2006-01-02T15:04:05"))
	want := "border-crossings/" + pageTerespolID
	tb.waitJS("the change listed", fmt.Sprintf(`sitmap.state.changed.size === 1 && sitmap.state.changed.has(%q)`, want))
	// Read the rings drawn once the tiles have repainted with others
	// drawn round the written feature.
	got := pageEval[[]string](tb, `(async () => {
		for (let i = 0; i < 400; i++) {
			const h = sitmap.highlighted();
			if (h.length && sitmap.renderedKeys().length > 1) return h;
			await new Promise((r) => setTimeout(r, 50));
		}
		return []; })()`)
	if len(got) != 1 || got[0] != want {
		t.Errorf("highlighted %v, want only %s", got, want)
	}
	if c := pageEval[string](tb, `document.getElementById("changed-count").textContent`); c != "1 changed" {
		t.Errorf("changed count %q", c)
	}
	if !strings.Contains(pageEval[string](tb, `location.hash`), "since="+mark.Format(time.RFC3339)) {
		t.Errorf("the hash lacks since=%s: %s", mark.Format(time.RFC3339), pageEval[string](tb, `location.hash`))
	}
	// And the ring is on the canvas: pixels of its colour (#d946ef).
	tb.waitJS("the ring painted", `[...document.querySelectorAll(".leaflet-datatiles-pane canvas")].some((c) => {
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 217) < 24 && Math.abs(d[i+1] - 70) < 24 && Math.abs(d[i+2] - 239) < 24) return true;
		return false; })`)
	for _, k := range pageEval[[]string](tb, `sitmap.highlighted()`) {
		if k != want {
			t.Errorf("after the repaint %s is ringed too", k)
		}
	}
	tb.screenshot("changed-since.png")
	// As recorded on the mark itself, before the write, nothing had changed.
	pageSetValue(tb, "#as-of", mark.Format("2006-01-02T15:04:05"))
	tb.waitJS("no change as recorded then", `sitmap.state.changed.size === 0 && document.getElementById("changed-count").textContent === "0 changed"`)
	tb.noErrors()
}

// As recorded on: a time before an edit shows the feature, in the panel and
// in the tiles, as it was then; clearing it shows the edit.
func pageAsRecordedOnShowsEarlierVersion(t *testing.T, env *pageEnv) {
	const cid, fid = "airfields", "airfield-machulishchy"
	before := pageString(t, env.ts.getJSON("/collections/" + cid + "/items/" + fid)["properties"], "name")
	mark := pageMark()
	pageRename(t, env, cid, fid, "Machulishchy (renamed later)")
	tb := env.newTab(t, 1280, 720)
	tb.open(fmt.Sprintf("/#map=9/53.7700/27.5800&date=2025-09-13&layers=%s&asof=%s&sel=%s/%s", cid, mark.Format(time.RFC3339), cid, fid))
	tb.waitJS("the panel", `ftitle().length > 0`)
	if got := pageEval[string](tb, `ftitle()`); got != before {
		t.Errorf("as recorded on %s the panel shows %q, want %q", mark.Format(time.RFC3339), got, before)
	}
	tb.waitJS("the airfield in the tiles", fmt.Sprintf(`sitmap.renderedProps(%q, %q) !== null`, cid, fid))
	if got := tb.renderedProp(cid, fid, "name"); got != before {
		t.Errorf("as recorded on %s the tiles say %q, want %q", mark.Format(time.RFC3339), got, before)
	}
	// A datetime-local input leaves out zero seconds.
	if v := pageEval[string](tb, `document.getElementById("as-of").value`); strings.TrimSuffix(mark.Format("2006-01-02T15:04:05"), ":00") != strings.TrimSuffix(v, ":00") {
		t.Errorf("the as-of input holds %q", v)
	}
	pageClick(tb, "#as-of-clear")
	tb.waitJS("the current version", `ftitle() === "Machulishchy (renamed later)" && !location.hash.includes("asof=")`)
	tb.waitDataTiles()
	tb.waitJS("the current version in the tiles", fmt.Sprintf(`(sitmap.renderedProps(%q, %q) || {}).name === "Machulishchy (renamed later)"`, cid, fid))
	tb.noErrors()
}

// Both dates and "changed since" go into the hash and come back on reload.
func pageTimesSurviveReload(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=8/53.0000/25.0000&date=2025-09-13")
	asOf, since := "2026-01-02T03:04:05", "2025-12-01T10:00:30"
	tb.do(chromedp.Click(chromedp.CSS("#day-next")))
	pageSetValue(tb, "#as-of", asOf)
	pageSetValue(tb, "#changed-since", since)
	tb.waitJS("the hash", fmt.Sprintf(`(() => { const q = new URLSearchParams(location.hash.slice(1)); return q.get("date") === "2025-09-14" && q.get("asof") === %q && q.get("since") === %q; })()`, asOf+"Z", since+"Z"))
	tb.do(chromedp.Reload())
	tb.waitJS("the page to start again", `document.body.dataset.ready === "1"`)
	tb.waitDataTiles()
	got := pageEval[[]string](tb, `[sitmap.state.day, sitmap.state.asOf, sitmap.state.since, document.getElementById("as-of").value, document.getElementById("changed-since").value, document.getElementById("date-label").dataset.day]`)
	want := []string{"2025-09-14", asOf + "Z", since + "Z", asOf, since, "2025-09-14"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after reload %v, want %v", got, want)
	}
	tb.noErrors()
}

func pageString(t *testing.T, props any, name string) string {
	t.Helper()
	s, ok := props.(map[string]any)[name].(string)
	if !ok || s == "" {
		t.Fatalf("no %s in %v", name, props)
	}
	return s
}

// The History tab's arithmetic (diff.js), case by case in the browser:
// what changed between two versions.
func pageDiffOfVersions(t *testing.T, env *pageEnv) {
	tb := env.newTab(t, 1280, 720)
	tb.open("/#map=7/53.0000/25.5000&date=2025-09-13")
	for _, c := range []struct {
		name, expr, want string
	}{
		{"a point moved 0.01° north", `Math.round(d.moved({type: "Point", coordinates: [25, 53]}, {type: "Point", coordinates: [25, 53.01]}))`, "1112"},
		{"a point not moved", `d.moved({type: "Point", coordinates: [25, 53]}, {type: "Point", coordinates: [25, 53]})`, "0"},
		{"a deletion has no geometry", `d.moved({type: "Point", coordinates: [25, 53]}, null)`, "null"},
		{"a square's centre counts its closing vertex once", `JSON.stringify(d.centre({type: "Polygon", coordinates: [[[25, 53], [25.1, 53], [25.1, 53.1], [25, 53.1], [25, 53]]]}), (k, v) => typeof v === "number" ? Math.round(v * 1000) / 1000 : v)`, `{"lat":53.05,"lng":25.05}`},
		{"a square shifted 0.01° east", `Math.round(d.moved(
			{type: "Polygon", coordinates: [[[25, 53], [25.1, 53], [25.1, 53.1], [25, 53.1], [25, 53]]]},
			{type: "Polygon", coordinates: [[[25.01, 53], [25.11, 53], [25.11, 53.1], [25.01, 53.1], [25.01, 53]]]}))`, "668"},
		{"properties that differ, meta and sources aside", `JSON.stringify(d.propertyChanges(
			{name: "A", status: "open", version: 1, updated: "x", sources: [{title: "s"}], timeline: [{from: "2025-09-11", status: "closed"}]},
			{name: "B", status: "open", version: 2, updated: "y", sources: [], note: "<b>n</b>"}))`,
			`[{"name":"name","before":"A","after":"B"},{"name":"note","before":"","after":"<b>n</b>"},{"name":"timeline","before":"[{\"from\":\"2025-09-11\",\"status\":\"closed\"}]","after":""}]`},
		{"sources added and removed", `JSON.stringify(d.sourceChanges(
			{sources: [{title: "Kept", url: "https://a.example/1"}, {title: "Dropped", publisher: "P", date: "2025-09-01"}]},
			{sources: [{title: "Kept", url: "https://a.example/1"}, {title: "New"}]}))`, `{"added":["New"],"removed":["Dropped, P, 2025-09-01"]}`},
	} {
		got := pageEval[string](tb, `import("/static/page/diff.js").then((d) => String(`+c.expr+`))`)
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	tb.noErrors()
}
