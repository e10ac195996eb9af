package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/store/bunt"
	"github.com/sitmap/sitmap/internal/tiles"
)

func point(t *testing.T, id string, p orb.Point) *geo.Feature {
	t.Helper()
	f, err := geo.NewFeature(id, p, map[string]json.RawMessage{"name": json.RawMessage(`"` + id + `"`), "status": json.RawMessage(`"open"`)})
	if err != nil {
		t.Fatal(err)
	}
	return f.WithCollection("layer")
}

func TestPipeline(t *testing.T) {
	ctx := context.Background()
	st, err := bunt.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.PutCollection(ctx, geo.NewCollection("layer")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Put(ctx, []*geo.Feature{point(t, "a", orb.Point{23.6, 52.1})}, store.Upsert); err != nil {
		t.Fatal(err)
	}
	p := tiles.New(st, nil, 1<<20, func(string, ...any) {})
	tile := maptile.At(orb.Point{23.6, 52.1}, 9)

	// Many requests at once: one tile, rendered once and cached once.
	var wg sync.WaitGroup
	got := make([]*tiles.Tile, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = p.Get(ctx, "layer", tile, store.Query{}, "")
		}()
	}
	wg.Wait()
	for i, g := range got {
		if g == nil || len(g.Data) == 0 || g.Tag(false)[0] == "" || g.Tag(false)[0] == g.Tag(true)[0] {
			t.Fatalf("request %d: tile %+v", i, g)
		}
		if g != got[0] {
			t.Errorf("request %d got a tile of its own: the render was not shared", i)
		}
	}
	if s := p.CacheStats(); s.Entries != 1 {
		t.Errorf("%d cache entries after one tile, want 1", s.Entries)
	}
	// The gzip form, made once however many ask for it at once.
	gzs := make([][]byte, 8)
	for i := range gzs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gzs[i], _ = got[0].Body(true)
		}()
	}
	wg.Wait()
	zr, err := gzip.NewReader(bytes.NewReader(gzs[0]))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, got[0].Data) {
		t.Errorf("the gzip form is not the tile's data (%v)", err)
	}
	for i, gz := range gzs {
		if &gz[0] != &gzs[0][0] {
			t.Errorf("caller %d compressed the tile again", i)
		}
	}
	// The header values of each form: its tag, made from the tile's
	// bytes, and its length.
	sum := sha256.Sum256(got[0].Data)
	plain := `"` + hex.EncodeToString(sum[:12]) + `"`
	for _, form := range []struct {
		gz  bool
		tag string
	}{{false, plain}, {true, strings.TrimSuffix(plain, `"`) + `-gz"`}} {
		etag := got[0].Tag(form.gz)
		body, length := got[0].Body(form.gz)
		if len(etag) != 1 || etag[0] != form.tag || len(length) != 1 || length[0] != strconv.Itoa(len(body)) {
			t.Errorf("gzip %v: values %q %q, want %q and %d", form.gz, etag, length, form.tag, len(body))
		}
		if cap(etag) != 1 || cap(length) != 1 {
			t.Errorf("gzip %v: shared values with room to append into", form.gz)
		}
	}

	// A write changes the key: the next request renders the new data.
	if _, err := st.Put(ctx, []*geo.Feature{point(t, "b", orb.Point{23.61, 52.11})}, store.Upsert); err != nil {
		t.Fatal(err)
	}
	after, err := p.Get(ctx, "layer", tile, store.Query{}, "")
	if err != nil || after.Tag(false)[0] == got[0].Tag(false)[0] {
		t.Errorf("after a write: tile %v (%v), want a new one", after, err)
	}
	// An empty tile is a tile with no data; an unknown tile set is NotFound.
	empty, err := p.Get(ctx, "layer", maptile.At(orb.Point{-100, 40}, 9), store.Query{}, "")
	if err != nil || len(empty.Data) != 0 {
		t.Errorf("empty tile: %v (%v)", empty, err)
	}
	if _, err := p.Get(ctx, "nope", tile, store.Query{}, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown tile set: %v, want ErrNotFound", err)
	}
	if layers, err := p.Layers(ctx, tiles.All); err != nil || len(layers) != 1 || layers[0] != "layer" {
		t.Errorf("Layers(all) = %v (%v)", layers, err)
	}
}

func TestKeyString(t *testing.T) {
	k := tiles.Key{Tileset: "all", Tile: maptile.New(3, 5, 9), Versions: "a@1,b@2", Datetime: "2025-09-13"}
	if got, want := k.String(), "all@a@1,b@2/9/3/5?2025-09-13"; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

// TestKeyFilter: a filtered tile has a key of its own, the same for the
// same filter however it was written.
func TestKeyFilter(t *testing.T) {
	k := tiles.Key{Tileset: "all", Tile: maptile.New(3, 5, 9), Versions: "a@1", Datetime: "2025-09-13"}
	parse := func(s string) string {
		e, err := cql2.ParseText(s)
		if err != nil {
			t.Fatal(err)
		}
		return e.String()
	}
	f1, f2 := k, k
	f1.Filter, f2.Filter = parse("country = 'PL'"), parse("(country='PL')")
	if f1.String() == k.String() || f1.String() != f2.String() {
		t.Errorf("keys: plain %q, filtered %q and %q", k, f1, f2)
	}
	f2.Filter = parse("country = 'LT'")
	if f1.String() == f2.String() {
		t.Errorf("two filters share the key %q", f1)
	}
}
