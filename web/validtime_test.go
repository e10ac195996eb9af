package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// tileStatuses decodes a tile answer into layer/id → status.
func tileStatuses(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil {
		t.Fatalf("decode tile: %v", err)
	}
	out := map[string]string{}
	for _, l := range layers {
		for _, f := range l.Features {
			out[l.Name+"/"+fmt.Sprint(f.Properties["id"])] = fmt.Sprint(f.Properties["status"])
		}
	}
	return out
}

// firstVertex is a point of the geometry, so the tile holding it holds
// the feature.
func firstVertex(g orb.Geometry) orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return g
	case orb.Polygon:
		return g[0][0]
	case orb.MultiPolygon:
		return g[0][0][0]
	case orb.LineString:
		return g[0]
	}
	return g.Bound().Center()
}

// TestValidTime_SeptemberAgrees walks every day of September 2025 on the
// seed: for each collection, /items?datetime=DAY gives every feature the
// status that its z14 tile shows for the same datetime, says which
// timeline entry gave it, and status= selects exactly the features with
// that status.
func TestValidTime_SeptemberAgrees(t *testing.T) {
	ts := newTestServer(t)
	cols := ts.getJSON("/collections")["collections"].([]any)
	for day := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC); day.Month() == time.September; day = day.AddDate(0, 0, 1) {
		dt := day.Format(time.DateOnly)
		for _, c := range cols {
			cid := c.(map[string]any)["id"].(string)
			fc := ts.getJSON("/collections/" + cid + "/items?limit=10000&datetime=" + dt)
			byStatus := map[string][]string{}
			for _, f := range fc["features"].([]any) {
				f := f.(map[string]any)
				id, props := f["id"].(string), f["properties"].(map[string]any)
				status := props["status"].(string)
				byStatus[status] = append(byStatus[status], id)
				if src, ok := props["status_source"].(map[string]any); ok && src["status"] != status {
					t.Errorf("%s %s/%s: status %s but status_source %v", dt, cid, id, status, src)
				}
				stored, err := ts.st.Get(t.Context(), cid, id)
				if err != nil {
					t.Fatal(err)
				}
				if want := stored.StatusAt(day); status != want {
					t.Errorf("%s %s/%s: items say %s, the timeline %s", dt, cid, id, status, want)
				}
				tile := maptile.At(firstVertex(stored.Geometry()), 14)
				got := tileStatuses(t, ts.get(tileURL(cid, tile)+"?datetime="+dt))[cid+"/"+id]
				if got != status {
					t.Errorf("%s %s/%s: items say %s, tile %v says %q", dt, cid, id, status, tile, got)
				}
			}
			for status, want := range byStatus {
				got := featureIDs(t, ts.getJSON("/collections/"+cid+"/items?limit=10000&datetime="+dt+"&status="+status))
				sort.Strings(got)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s %s status=%s: %v, want %v", dt, cid, status, got, want)
				}
			}
		}
	}
}

// TestValidTime_Terespol is the case of issue 12: on 13 Sep 2025 the
// Terespol crossings are closed by their timeline although their stored
// status is open, and the training grounds are active.
func TestValidTime_Terespol(t *testing.T) {
	ts := newTestServer(t)
	ids := featureIDs(t, ts.getJSON("/collections/border-crossings/items?datetime=2025-09-13T12:00:00Z&status=closed"))
	if !slices.Contains(ids, "crossing-terespol-brest-rail") {
		t.Errorf("closed crossings at noon on 13 Sep: %v, want Terespol among them", ids)
	}
	if got := featureIDs(t, ts.getJSON("/collections/border-crossings/items?datetime=2025-09-13T12:00:00Z/2025-09-14&status=closed")); slices.Contains(got, "crossing-terespol-brest-rail") {
		t.Errorf("an interval filters the stored status, but found Terespol among %v", got)
	}
	f := ts.getJSON("/collections/border-crossings/items/crossing-terespol-brest-rail?datetime=2025-09-13T12:00:00Z")
	props := f["properties"].(map[string]any)
	src, _ := props["status_source"].(map[string]any)
	if props["status"] != "closed" || src == nil || src["status"] != "closed" {
		t.Errorf("Terespol on 13 Sep: status %v, status_source %v", props["status"], props["status_source"])
	}
	f = ts.getJSON("/collections/border-crossings/items/crossing-terespol-brest-rail")
	if _, ok := f["properties"].(map[string]any)["status_source"]; ok {
		t.Error("without datetime a feature has no status_source")
	}
	if n := len(featureIDs(t, ts.getJSON("/collections/training-grounds/items?datetime=2025-09-13&status=active"))); n == 0 {
		t.Error("no training ground active on 13 Sep")
	}
}
