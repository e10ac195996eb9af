package formats

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/sitmap/sitmap/geo"
)

// TestStatusColoursMatchThePage: the KML styles use the page's colours
// (assets/page/style.js), so a map handed on looks like the map on screen.
func TestStatusColoursMatchThePage(t *testing.T) {
	js, err := os.ReadFile("../../assets/page/style.js")
	if err != nil {
		t.Fatal(err)
	}
	block := func(name string) map[string]string {
		m := regexp.MustCompile(`(?s)const ` + name + ` = \{(.*?)\}`).FindSubmatch(js)
		if m == nil {
			t.Fatalf("style.js has no %s", name)
		}
		out := map[string]string{}
		for _, kv := range regexp.MustCompile(`'?([a-z-]+)'?: '(#[0-9a-f]{6})'`).FindAllSubmatch(m[1], -1) {
			out[string(kv[1])] = string(kv[2])
		}
		return out
	}
	for name, want := range map[string]map[string]string{"STATUS_COLOURS": statusColours, "AIRSPACE": airspaceColours} {
		got := block(name)
		if len(got) != len(want) {
			t.Errorf("%s: the page has %v, KML %v", name, got, want)
		}
		for k, v := range got {
			if want[k] != v {
				t.Errorf("%s.%s: the page has %s, KML %s", name, k, v, want[k])
			}
		}
	}
}

type kmlDoc struct {
	Styles []struct {
		ID   string `xml:"id,attr"`
		Icon string `xml:"IconStyle>color"`
		Href string `xml:"IconStyle>Icon>href"`
		Line string `xml:"LineStyle>color"`
		Fill string `xml:"PolyStyle>color"`
	} `xml:"Document>Style"`
	Folders []struct {
		Name       string `xml:"name"`
		Placemarks []struct {
			Name        string `xml:"name"`
			Description string `xml:"description"`
			Begin       string `xml:"TimeSpan>begin"`
			End         string `xml:"TimeSpan>end"`
			Style       string `xml:"styleUrl"`
		} `xml:"Placemark"`
	} `xml:"Document>Folder"`
}

func testFeature(id, status, from, to, desc string) *geo.Feature {
	p := map[string]json.RawMessage{"name": quote("Crossing " + id), "status": quote(status), "description": quote(desc),
		"sources": json.RawMessage(`[{"title":"A report","publisher":"A paper","date":"2025-09-11","url":"https://example.org/a"}]`)}
	if from != "" {
		p["valid_from"] = quote(from)
	}
	if to != "" {
		p["valid_to"] = quote(to)
	}
	f, err := geo.NewFeature(id, orb.Point{23.6, 52.1}, p)
	if err != nil {
		panic(err)
	}
	return f.WithCollection("border-crossings")
}

// TestKMLStylesAndTimeSpan: a style per status in the page's colour (KML's
// aabbggrr), each placemark in its status's style, its validity as a
// TimeSpan, and a description that renders as text with its sources.
func TestKMLStylesAndTimeSpan(t *testing.T) {
	col := geo.Collection{ID: "border-crossings", Title: "Border crossings", Statuses: []string{"open", "closed", "restricted"}}
	fs := []*geo.Feature{
		testFeature("a", "closed", "2025-09-11T23:00:00+02:00", "2025-09-25", "Closed <b>at night</b> & by day"),
		testFeature("b", "open", "", "", "Open"),
	}
	for _, kmz := range []bool{false, true} {
		var buf bytes.Buffer
		enc := newKMLEncoder(&buf, []geo.Collection{col}, NewSchema([]geo.Collection{col}), kmz)
		for _, f := range fs {
			if err := enc.Write(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		raw := buf.Bytes()
		var icons map[string]bool
		if kmz {
			raw, icons = unzipKMZ(t, raw)
		}
		var doc kmlDoc
		if err := xml.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		styles := map[string]string{}
		for _, s := range doc.Styles {
			styles[s.ID] = s.Icon
			if s.Line != s.Icon || s.Fill != "66"+s.Icon[2:] {
				t.Errorf("style %s: icon %s line %s fill %s", s.ID, s.Icon, s.Line, s.Fill)
			}
			if kmz && !icons[s.Href] {
				t.Errorf("style %s: icon %q is not in the KMZ (%v)", s.ID, s.Href, icons)
			}
		}
		for status, want := range map[string]string{"closed": "ff2e10c8", "open": "ff3b7f1b", "restricted": "ff0677d9"} {
			if got := styles["s-border-crossings-"+status]; got != want {
				t.Errorf("kmz=%v: style of %s has colour %q, want %q (the page's)", kmz, status, got, want)
			}
		}
		pm := doc.Folders[0].Placemarks
		if len(doc.Folders) != 1 || doc.Folders[0].Name != "Border crossings" || len(pm) != 2 {
			t.Fatalf("folders %+v", doc.Folders)
		}
		if pm[0].Style != "#s-border-crossings-closed" || pm[1].Style != "#s-border-crossings-open" {
			t.Errorf("styleUrls %q %q", pm[0].Style, pm[1].Style)
		}
		if pm[0].Begin != "2025-09-11T23:00:00+02:00" || pm[0].End != "2025-09-25" || pm[1].Begin != "" || pm[1].End != "" {
			t.Errorf("TimeSpans %q–%q and %q–%q", pm[0].Begin, pm[0].End, pm[1].Begin, pm[1].End)
		}
		wantDesc := "Closed &lt;b&gt;at night&lt;/b&gt; &amp; by day\n\nSources:\n- A report (A paper, 2025-09-11): https://example.org/a"
		if pm[0].Description != wantDesc {
			t.Errorf("description %q,\nwant %q", pm[0].Description, wantDesc)
		}
	}
}

func unzipKMZ(t *testing.T, b []byte) ([]byte, map[string]bool) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if zr.File[0].Name != "doc.kml" {
		t.Errorf("the KMZ starts with %s, want doc.kml", zr.File[0].Name)
	}
	var doc bytes.Buffer
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		if f.Name == "doc.kml" {
			rc, _ := f.Open()
			doc.ReadFrom(rc)
			rc.Close()
		} else if !strings.HasSuffix(f.Name, ".png") {
			t.Errorf("unexpected %s in the KMZ", f.Name)
		}
	}
	return doc.Bytes(), names
}
