package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const newCrossing = `{"type":"Feature","geometry":{"type":"Point","coordinates":[23.5,52.1]},
"properties":{"name":"Test crossing","name_local":"Тэст","country":"PL","status":"open","confidence":"reported",
"mode":"road","countries":["PL","BY"],"custom":{"kept":[1,2.5,"x"]},"updated":"1999-01-01T00:00:00Z",
"sources":[{"title":"Test source","publisher":"Test","date":"2025-09-12","url":"https://example.org/a"}]}}`

func (ts *testServer) write(method, target, body string, header ...string) *testResponse {
	ts.t.Helper()
	h := append([]string{"Authorization", "Bearer " + ts.token, "Content-Type", "application/geo+json"}, header...)
	rec := ts.do(method, target, strings.NewReader(body), h...)
	return &testResponse{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

type testResponse struct {
	Code   int
	Header http.Header
	Body   []byte
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return v
}

// withoutServerFields drops what the server sets (updated, links).
func withoutServerFields(f map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range f {
		if k != "links" {
			out[k] = v
		}
	}
	props := map[string]any{}
	for k, v := range f["properties"].(map[string]any) {
		if k != "updated" {
			props[k] = v
		}
	}
	out["properties"] = props
	return out
}

// TestWriteReadIdentity: a POSTed feature reads back identical apart from
// the server's fields; PUT likewise; DELETE removes it.
func TestWriteReadIdentity(t *testing.T) {
	ts := newTestServer(t)
	before := ts.count("border-crossings")
	res := ts.write("POST", "/collections/border-crossings/items", newCrossing)
	if res.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.Code, res.Body)
	}
	loc := path(res.Header.Get("Location"))
	if !strings.HasPrefix(loc, "/collections/border-crossings/items/") {
		t.Fatalf("Location %q", loc)
	}
	if ts.count("border-crossings") != before+1 {
		t.Errorf("count %d, want %d", ts.count("border-crossings"), before+1)
	}
	got := ts.getJSON(loc)
	sent := decode(t, []byte(newCrossing))
	sent["id"] = got["id"]
	a, _ := json.Marshal(withoutServerFields(sent))
	b, _ := json.Marshal(withoutServerFields(got))
	if !bytes.Equal(a, b) {
		t.Errorf("read back differs:\n got %s\nwant %s", b, a)
	}
	upd, _ := got["properties"].(map[string]any)["updated"].(string)
	if upd == "" || strings.HasPrefix(upd, "1999") {
		t.Errorf("updated %q: the server sets it", upd)
	}
	if id, _ := got["id"].(string); id == "" {
		t.Fatal("no id assigned")
	}

	// PUT with the current ETag, then read back.
	tag := ts.get(loc).Header().Get("ETag")
	changed := strings.Replace(newCrossing, `"status":"open"`, `"status":"closed"`, 1)
	res = ts.write("PUT", loc, changed, "If-Match", tag)
	if res.Code != http.StatusOK {
		t.Fatalf("PUT: %d %s", res.Code, res.Body)
	}
	newTag := res.Header.Get("ETag")
	if newTag == "" || newTag == tag {
		t.Errorf("ETag after PUT %q (was %q)", newTag, tag)
	}
	got = ts.getJSON(loc)
	if got["properties"].(map[string]any)["status"] != "closed" {
		t.Errorf("PUT not visible: %v", got["properties"])
	}
	if ts.get(loc).Header().Get("ETag") != newTag {
		t.Error("GET ETag differs from the PUT's")
	}
	// A stale ETag: 412 and nothing changes.
	res = ts.write("PUT", loc, newCrossing, "If-Match", tag)
	if res.Code != http.StatusPreconditionFailed {
		t.Errorf("PUT stale If-Match: %d, want 412", res.Code)
	}
	checkError(t, res.Body, "If-Match")
	res = ts.write("DELETE", loc, "", "If-Match", tag)
	if res.Code != http.StatusPreconditionFailed {
		t.Errorf("DELETE stale If-Match: %d, want 412", res.Code)
	}
	if ts.getJSON(loc)["properties"].(map[string]any)["status"] != "closed" {
		t.Error("a refused write changed the feature")
	}
	res = ts.write("DELETE", loc, "", "If-Match", newTag)
	if res.Code != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", res.Code, res.Body)
	}
	if rec := ts.get(loc); rec.Code != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", rec.Code)
	}
	if ts.count("border-crossings") != before {
		t.Errorf("count %d after delete, want %d", ts.count("border-crossings"), before)
	}
	if res := ts.write("DELETE", loc, ""); res.Code != http.StatusNotFound {
		t.Errorf("DELETE again: %d, want 404", res.Code)
	}
}

func TestWriteFeatureCollection(t *testing.T) {
	ts := newTestServer(t)
	before := ts.count("border-crossings")
	one := strings.Replace(newCrossing, `"type":"Feature",`, `"type":"Feature","id":"crossing-test-one",`, 1)
	two := strings.Replace(newCrossing, `"type":"Feature",`, `"type":"Feature","id":"crossing-test-two",`, 1)
	res := ts.write("POST", "/collections/border-crossings/items", `{"type":"FeatureCollection","features":[`+one+","+two+`]}`)
	if res.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.Code, res.Body)
	}
	if got := path(res.Header.Get("Location")); got != "/collections/border-crossings/items/crossing-test-one" {
		t.Errorf("Location %q", got)
	}
	if ts.count("border-crossings") != before+2 {
		t.Errorf("count %d, want %d", ts.count("border-crossings"), before+2)
	}
	// The same ids again: conflict, nothing written.
	res = ts.write("POST", "/collections/border-crossings/items", one)
	if res.Code != http.StatusConflict {
		t.Errorf("POST existing id: %d, want 409", res.Code)
	}
	checkError(t, res.Body, "")
}

// TestBadWritesChangeNothing: every refused write leaves the count (and
// the version) as it was, with the right status and field.
func TestBadWritesChangeNothing(t *testing.T) {
	ts := newTestServer(t)
	const items = "/collections/border-crossings/items"
	const item = items + "/crossing-bobrowniki-berestovitsa-road"
	invalidSecond := `{"type":"FeatureCollection","features":[` + newCrossing + `,` +
		strings.Replace(newCrossing, `"country":"PL"`, `"country":"XX"`, 1) + `]}`
	huge := `{"type":"Feature","properties":{"name":"` + strings.Repeat("x", 33<<20) + `"}}`
	cases := []struct {
		name, method, target, body string
		header                     []string
		status                     int
		field                      string
	}{
		{"invalid second feature", "POST", items, invalidSecond, nil, 400, "properties.country"},
		{"missing name", "POST", items, strings.Replace(newCrossing, `"name":"Test crossing",`, "", 1), nil, 400, "properties.name"},
		{"status not in vocabulary", "POST", items, strings.Replace(newCrossing, `"status":"open"`, `"status":"active"`, 1), nil, 400, "properties.status"},
		{"geometry type not allowed", "POST", items, strings.Replace(newCrossing, `{"type":"Point","coordinates":[23.5,52.1]}`, `{"type":"LineString","coordinates":[[23.5,52.1],[23.6,52.2]]}`, 1), nil, 400, "geometry.type"},
		{"longitude out of range", "POST", items, strings.Replace(newCrossing, `[23.5,52.1]`, `[230.5,52.1]`, 1), nil, 400, "geometry.coordinates"},
		{"bad id", "POST", items, strings.Replace(newCrossing, `"type":"Feature",`, `"type":"Feature","id":"Bad ID!",`, 1), nil, 400, "id"},
		{"not JSON", "POST", items, `{"type":`, nil, 400, "body"},
		{"not a feature", "POST", items, `{"type":"Point","coordinates":[1,2]}`, nil, 400, "type"},
		{"empty collection", "POST", items, `{"type":"FeatureCollection","features":[]}`, nil, 400, "features"},
		{"wrong content type", "POST", items, newCrossing, []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"too large", "POST", items, huge, nil, 413, ""},
		{"no token", "POST", items, newCrossing, []string{"Authorization", ""}, 401, ""},
		{"wrong token", "POST", items, newCrossing, []string{"Authorization", "Bearer wrong"}, 401, ""},
		{"basic auth", "POST", items, newCrossing, []string{"Authorization", "Basic " + testToken}, 401, ""},
		{"unknown collection", "POST", "/collections/nope/items", newCrossing, nil, 404, ""},
		{"PUT id differs", "PUT", item, strings.Replace(newCrossing, `"type":"Feature",`, `"type":"Feature","id":"other-id",`, 1), nil, 400, "id"},
		{"PUT collection body", "PUT", item, `{"type":"FeatureCollection","features":[` + newCrossing + `]}`, nil, 400, "type"},
		{"PUT invalid", "PUT", item, strings.Replace(newCrossing, `"confidence":"reported"`, `"confidence":"sure"`, 1), nil, 400, "properties.confidence"},
		{"PUT missing feature", "PUT", items + "/no-such-feature", newCrossing, nil, 404, ""},
		{"PUT no token", "PUT", item, newCrossing, []string{"Authorization", ""}, 401, ""},
		{"PUT weak If-Match", "PUT", item, newCrossing, []string{"If-Match", `W/"1"`}, 412, "If-Match"},
		{"DELETE no token", "DELETE", item, "", []string{"Authorization", ""}, 401, ""},
		{"DELETE wrong token", "DELETE", item, "", []string{"Authorization", "Bearer nope"}, 401, ""},
		{"DELETE stale", "DELETE", item, "", []string{"If-Match", `"999999"`}, 412, "If-Match"},
		{"DELETE missing", "DELETE", items + "/no-such-feature", "", nil, 404, ""},
		{"PATCH with a GeoJSON body", "PATCH", item, newCrossing, nil, 415, "Content-Type"},
		{"PATCH invalid", "PATCH", item, `{"properties":{"confidence":"sure"}}`, []string{"Content-Type", "application/merge-patch+json"}, 400, "properties.confidence"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			count, version := ts.count("border-crossings"), ts.version("border-crossings")
			res := ts.write(tc.method, tc.target, tc.body, tc.header...)
			if res.Code != tc.status {
				t.Fatalf("%d, want %d: %.300s", res.Code, tc.status, res.Body)
			}
			checkError(t, res.Body, "")
			if tc.field != "" {
				if f, _ := decode(t, res.Body)["field"].(string); !strings.HasPrefix(f, tc.field) && !strings.HasSuffix(f, tc.field) {
					t.Errorf("field %q, want %q", f, tc.field)
				}
			}
			if tc.status == 401 && res.Header.Get("WWW-Authenticate") != `Bearer realm="sitmap"` {
				t.Errorf("WWW-Authenticate %q", res.Header.Get("WWW-Authenticate"))
			}
			if c, v := ts.count("border-crossings"), ts.version("border-crossings"); c != count || v != version {
				t.Errorf("count %d→%d, version %d→%d: a refused write changed the store", count, c, version, v)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	ts := newTestServer(t, readOnly)
	if lp := ts.getJSON("/?f=json"); lp["readOnly"] != true {
		t.Errorf("readOnly %v, want true", lp["readOnly"])
	}
	conf := ts.getJSON("/conformance")["conformsTo"].([]any)
	for _, c := range conf {
		if strings.Contains(c.(string), "create-replace-delete") {
			t.Error("a read-only server declares create-replace-delete")
		}
	}
	for _, m := range []struct{ method, target string }{
		{"POST", "/collections/airfields/items"},
		{"PUT", "/collections/airfields/items/airfield-machulishchy"},
		{"DELETE", "/collections/airfields/items/airfield-machulishchy"},
	} {
		rec := ts.do(m.method, m.target, strings.NewReader(newCrossing), "Authorization", "Bearer anything")
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") == "" {
			t.Errorf("%s %s: %d (Allow %q), want 405", m.method, m.target, rec.Code, rec.Header().Get("Allow"))
		}
		checkError(t, rec.Body.Bytes(), "")
	}
	ts2 := newTestServer(t)
	if lp := ts2.getJSON("/?f=json"); lp["readOnly"] != false {
		t.Errorf("readOnly %v with a token, want false", lp["readOnly"])
	}
}
