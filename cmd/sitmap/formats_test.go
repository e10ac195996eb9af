package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedDB imports the embedded seed's files into a new store.
func seedDB(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "seed.db")
	files, err := filepath.Glob("../../assets/seed/*.geojson")
	if err != nil || len(files) == 0 {
		t.Fatalf("seed files: %v %v", files, err)
	}
	for _, f := range files {
		cid := strings.TrimSuffix(filepath.Base(f), ".geojson")
		if code, _, errOut := runCLI(t, "import", "--db", db, "--collection", cid, f); code != 0 {
			t.Fatalf("import %s: %s", f, errOut)
		}
	}
	return db
}

// TestExportImportEveryFormat: GeoJSON → each format → import into a new
// store → GeoJSON gives the same file, byte for byte: every format keeps
// every property of the seed (date-times' exact text included).
func TestExportImportEveryFormat(t *testing.T) {
	dir := t.TempDir()
	db := seedDB(t, dir)
	code, want, errOut := runCLI(t, "export", "--db", db)
	if code != 0 || !strings.Contains(errOut, "exported ") || strings.Contains(errOut, "exported 0 ") {
		t.Fatalf("export = %d: %s", code, errOut)
	}
	for _, f := range []string{"gpkg", "fgb", "kml", "kmz", "csv"} {
		t.Run(f, func(t *testing.T) {
			file := filepath.Join(dir, "out."+f)
			if code, out, errOut := runCLI(t, "export", "--db", db, "--format", f, "--out", file); code != 0 || out != "" {
				t.Fatalf("export --format %s = %d, stdout %d bytes: %s", f, code, len(out), errOut)
			}
			db2 := filepath.Join(dir, f+".db")
			if code, out, errOut := runCLI(t, "import", "--db", db2, file); code != 0 || !strings.Contains(out, "border-crossings\t") {
				t.Fatalf("import %s = %d: %s %s", f, code, out, errOut)
			}
			_, got, _ := runCLI(t, "export", "--db", db2)
			if got != want {
				t.Errorf("the round trip through %s changed the export:\n%s", f, firstDiff(want, got))
			}
		})
	}
	if code, _, errOut := runCLI(t, "export", "--db", db, "--format", "shp", "--out", filepath.Join(dir, "x.shp")); code == 0 || !strings.Contains(errOut, "--format") {
		t.Errorf("export --format shp = %d: %s", code, errOut)
	}
}

// firstDiff shows where two texts part, with some context.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return "want …" + a[lo:min(len(a), i+80)] + "\ngot  …" + b[lo:min(len(b), i+80)]
}

// TestImportSet: a CSV without confidence or sources fails naming the
// feature and the field, and changes nothing; --set fills them, and
// source-url makes one source titled after the file.
func TestImportSet(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	csv := filepath.Join(dir, "sightings.csv")
	os.WriteFile(csv, []byte("id,name,country,status,lon,lat\r\nsite-a,Site A,BY,active,27.5,53.9\r\nsite-b,\"Site B, north\",BY,active,27.6,54.1\r\n"), 0o644)
	code, _, errOut := runCLI(t, "import", "--db", db, "--collection", "sightings", csv)
	if code == 0 || !strings.Contains(errOut, "sightings.csv") || !strings.Contains(errOut, "#0 (site-a)") || !strings.Contains(errOut, "properties.confidence") ||
		!strings.Contains(errOut, "--set confidence=VALUE") {
		t.Fatalf("import without confidence = %d, stderr %q; want the file, feature and field named", code, errOut)
	}
	if _, out, _ := runCLI(t, "export", "--db", db); strings.Contains(out, "site-a") {
		t.Fatal("a failed import wrote features")
	}
	code, out, errOut := runCLI(t, "import", "--db", db, "--collection", "sightings",
		"--set", "confidence=reported", "--set", "source-url=https://example.org/report", "--set", "status=inactive", csv)
	if code != 0 || !strings.Contains(out, "sightings\t2") {
		t.Fatalf("import with --set = %d: %s %s", code, out, errOut)
	}
	_, out, _ = runCLI(t, "export", "--db", db)
	var fc struct {
		Features []struct {
			ID         string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil || len(fc.Features) != 2 {
		t.Fatalf("export: %v %d", err, len(fc.Features))
	}
	p := fc.Features[1].Properties
	src, _ := json.Marshal(p["sources"])
	if fc.Features[1].ID != "site-b" || p["name"] != "Site B, north" || p["confidence"] != "reported" || p["status"] != "active" ||
		string(src) != `[{"title":"Imported from sightings.csv","url":"https://example.org/report"}]` {
		t.Errorf("imported feature = %s %v (sources %s)", fc.Features[1].ID, p, src)
	}
}
