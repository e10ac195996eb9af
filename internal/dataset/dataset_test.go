package dataset_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := bunt.Open(t.TempDir() + "/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func count(t *testing.T, st store.Store) map[string]int {
	t.Helper()
	cols, err := st.Collections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range cols {
		out[c.ID] = c.Count
	}
	return out
}

func TestSeedLoadsOnceAndValidates(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	seeded, err := dataset.SeedOnce(ctx, st, assets.FS)
	if err != nil || !seeded {
		t.Fatalf("SeedOnce = %v, %v; want true, nil", seeded, err)
	}
	got := count(t, st)
	want := map[string]int{"training-grounds": 8, "border-crossings": 16, "airspace-restrictions": 4, "airfields": 8, "military-sites": 3}
	for id, min := range want {
		if got[id] < min {
			t.Errorf("%s has %d features, want at least %d", id, got[id], min)
		}
	}
	// A deleted seed feature stays deleted: the seed never loads twice.
	page, err := st.Query(ctx, store.Query{Collection: "airfields", Limit: 1})
	if err != nil || len(page.Features) == 0 {
		t.Fatalf("query airfields: %v", err)
	}
	if err := st.Delete(ctx, "airfields", page.Features[0].ID(), 0); err != nil {
		t.Fatal(err)
	}
	if seeded, err := dataset.SeedOnce(ctx, st, assets.FS); err != nil || seeded {
		t.Fatalf("second SeedOnce = %v, %v; want false, nil", seeded, err)
	}
	if n := count(t, st)["airfields"]; n != got["airfields"]-1 {
		t.Errorf("airfields after delete and SeedOnce = %d, want %d", n, got["airfields"]-1)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := openStore(t)
	if err := dataset.LoadSeed(ctx, a, assets.FS); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if _, err := dataset.Export(ctx, a, &first, "", nil); err != nil {
		t.Fatal(err)
	}
	b := openStore(t)
	defs, _ := dataset.SeedCollections(assets.FS)
	if _, err := dataset.Import(ctx, b, []dataset.Input{{Name: "export.geojson", R: bytes.NewReader(first.Bytes())}},
		dataset.Options{Collections: defs}); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if _, err := dataset.Export(ctx, b, &second, "", nil); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("export of the re-imported store differs from the first export")
	}
}

func TestImportBadFeatureChangesNothing(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var buf strings.Builder
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 10000 {
		if i > 0 {
			buf.WriteString(",")
		}
		name := fmt.Sprintf(`"name":"P %d",`, i)
		if i == 7321 {
			name = ""
		}
		fmt.Fprintf(&buf, `{"type":"Feature","id":"p-%d","geometry":{"type":"Point","coordinates":[24.%d,52.5]},`+
			`"properties":{%s"country":"BY","status":"open","confidence":"reported","sources":[{"title":"t"}]}}`, i, i, name)
	}
	buf.WriteString(`]}`)
	_, err := dataset.Import(ctx, st, []dataset.Input{{Name: "big.geojson", R: strings.NewReader(buf.String())}},
		dataset.Options{Collection: "points"})
	if !errors.Is(err, geo.ErrInvalid) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	for _, want := range []string{"big.geojson", "#7321", "p-7321", "properties.name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if n := len(count(t, st)); n != 0 {
		t.Errorf("store has %d collections after a failed import, want 0", n)
	}
}

func TestDecodeForms(t *testing.T) {
	one := `{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}`
	tests := []struct {
		name  string
		input string
		want  int
	}{
		{"feature", one, 1},
		{"collection", `{"type":"FeatureCollection","features":[` + one + `,` + one + `]}`, 2},
		{"ndjson", one + "\n" + one + "\n" + one + "\n", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := dataset.Decode(strings.NewReader(tt.input))
			if err != nil || len(fs) != tt.want {
				t.Fatalf("Decode = %d features, %v; want %d", len(fs), err, tt.want)
			}
		})
	}
	if _, err := dataset.Decode(strings.NewReader(`{"type":"Polygon"}`)); err == nil {
		t.Error("Decode accepted a bare geometry")
	}
}

// TestDecodeKeepsOrderAcrossBatches: a collection decoded a few batches
// at a time keeps its features in order, and an error names the first bad
// feature even when a later batch has one too.
func TestDecodeKeepsOrderAcrossBatches(t *testing.T) {
	const n = 3*4096 + 10
	feature := func(i int, typ string) string {
		return fmt.Sprintf(`{"type":"Feature","id":"f%d","geometry":{"type":%q,"coordinates":[1,2]},"properties":{}}`, i, typ)
	}
	collection := func(bad ...int) string {
		var b strings.Builder
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			typ := "Point"
			for _, j := range bad {
				if i == j {
					typ = "Pont"
				}
			}
			b.WriteString(feature(i, typ))
		}
		b.WriteString(`]}`)
		return b.String()
	}
	fs, err := dataset.Decode(strings.NewReader(collection()))
	if err != nil || len(fs) != n {
		t.Fatalf("Decode = %d features, %v; want %d", len(fs), err, n)
	}
	for i, f := range fs {
		if f.ID() != fmt.Sprintf("f%d", i) {
			t.Fatalf("feature %d is %s", i, f.ID())
		}
	}
	for _, bad := range [][]int{{2*4096 + 5}, {4096 + 1, 3 * 4096}, {n - 1}} {
		_, err := dataset.Decode(strings.NewReader(collection(bad...)))
		if want := fmt.Sprintf("#%d", bad[0]); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad %v: Decode = %v, want an error naming %s", bad, err, want)
		}
	}
}

// TestReadNamesTheFirstFeatureWithoutCollection: features are put into
// their collections on every core, and the error still names the first
// that has none (or a bad one).
func TestReadNamesTheFirstFeatureWithoutCollection(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		coll := `"collection":"layer",`
		switch i {
		case 3001:
			coll = ``
		case 4500:
			coll = `"collection":"Bad Id",`
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"f%d","geometry":{"type":"Point","coordinates":[1,2]},"properties":{%s"name":"x"}}`+"\n", i, coll)
	}
	_, err := dataset.Read([]dataset.Input{{Name: "f.geojson", R: strings.NewReader(b.String())}}, "", nil)
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || ve.Feature != "#3001" || ve.Field != "properties.collection" {
		t.Fatalf("Read = %v, want feature #3001 without a collection", err)
	}
	fs, err := dataset.Read([]dataset.Input{{Name: "f.geojson", R: strings.NewReader(b.String())}}, "other", nil)
	if err != nil || len(fs) != 5000 || fs[3001].Collection() != "other" {
		t.Fatalf("Read with a collection = %d features, %v", len(fs), err)
	}
}
