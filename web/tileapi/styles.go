package tileapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/internal/glyphs"
	"github.com/sitmap/sitmap/web/api"
)

// styleAssets are the style documents inside Config.Assets. basemap.json is
// a whole style; all.json holds the data layers that the "all" style puts
// over the basemap's.
const (
	styleBasemapAsset = "styles/basemap.json"
	styleDataAsset    = "styles/all.json"
)

// styleIDs are the styles served, one per tile set that has one.
var styleIDs = []string{tilesetAll, tilesetBasemap}

// hasStyle reports whether a tile set has a style under /styles/{id}.
func hasStyle(tileset string) bool { return tileset == tilesetAll || tileset == tilesetBasemap }

func styleHref(base, id string) string { return base + "/styles/" + api.PathEscape(id) }

func styleLink(base, id string) api.Link {
	return api.Link{Href: styleHref(base, id), Rel: api.RelStylesheet, Type: api.MediaStyle, Title: "MapLibre style for " + id}
}

// glyphFonts are the fonts the styles name in text-font, by fontstack
// name, inside Config.Assets (DejaVu, from Debian's fonts-dejavu-core).
var glyphFonts = map[string]string{
	"DejaVu Sans Book": "fonts/DejaVuSans.ttf",
	"DejaVu Sans Bold": "fonts/DejaVuSans-Bold.ttf",
}

// fontCache renders each glyph range once; there are at most 256 ranges
// of two fonts, so it needs no eviction.
type fontCache struct {
	mu     sync.Mutex
	fonts  map[string]*glyphs.Font
	ranges map[string][]byte
}

func (t *Service) styleRoutes() []api.Route {
	str := map[string]any{"type": "string"}
	id := api.Param{Name: "styleId", In: "path", Required: true, Description: "the tile set the style draws",
		Schema: map[string]any{"type": "string", "enum": styleIDs}}
	tags := []string{"Styles"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/styles", Name: "getStyles", Summary: "The MapLibre styles of the tile sets",
			Tags: tags, Responses: map[string][]string{"200": {api.MediaJSON}}, Handle: t.handleStyles},
		{Method: http.MethodGet, Path: "/styles/{styleId}", Name: "getStyle",
			Summary: "A MapLibre style (version 8) that draws a tile set as the map page does", Tags: tags,
			Params: []api.Param{id}, Responses: map[string][]string{"200": {api.MediaStyle}, "404": {api.MediaJSON}}, Handle: t.handleStyle},
		{Method: http.MethodGet, Path: "/fonts/{fontstack}/{range}.pbf", Name: "getGlyphs",
			Summary: "Glyphs of a font for the styles' labels (signed distance fields, as MapLibre loads them)", Tags: tags,
			Params: []api.Param{{Name: "fontstack", In: "path", Required: true, Schema: str,
				Description: "font names, comma-separated; the first one served is used: DejaVu Sans Book or DejaVu Sans Bold"},
				{Name: "range", In: "path", Required: true, Schema: str, Description: "256 code points, e.g. 0-255 or 1024-1279"}},
			Responses: map[string][]string{"200": {api.MediaProtobuf}, "400": {api.MediaJSON}, "404": {api.MediaJSON}}, Handle: t.handleGlyphs},
	}
}

func (t *Service) handleGlyphs(w http.ResponseWriter, r *http.Request) error {
	v := mux.Vars(r)
	start, end, ok := strings.Cut(v["range"], "-")
	a, errA := strconv.Atoi(start)
	b, errB := strconv.Atoi(end)
	if !ok || errA != nil || errB != nil || b != a+255 {
		return api.BadRequest("range", "range: "+strconv.Quote(v["range"])+" is not START-END with END = START+255")
	}
	var name string
	for _, n := range strings.Split(v["fontstack"], ",") {
		if _, ok := glyphFonts[strings.TrimSpace(n)]; ok {
			name = strings.TrimSpace(n)
			break
		}
	}
	if name == "" {
		return api.NotFound("no font in " + strconv.Quote(v["fontstack"]) + ": the fonts are DejaVu Sans Book and DejaVu Sans Bold")
	}
	pbf, err := t.glyphRange(name, a)
	if errors.Is(err, glyphs.ErrRange) {
		return api.BadRequest("range", "range: "+err.Error())
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	return api.WriteBytes(w, http.StatusOK, api.MediaProtobuf, pbf)
}

// glyphRange renders a range of a font once and keeps it.
func (t *Service) glyphRange(name string, start int) ([]byte, error) {
	c := &t.fonts
	c.mu.Lock()
	defer c.mu.Unlock()
	key := name + "/" + strconv.Itoa(start)
	if b, ok := c.ranges[key]; ok {
		return b, nil
	}
	f := c.fonts[name]
	if f == nil {
		if t.cfg.Assets == nil {
			return nil, errors.New("no assets configured: fonts are unavailable")
		}
		data, err := fs.ReadFile(t.cfg.Assets, glyphFonts[name])
		if err != nil {
			return nil, fmt.Errorf("read font: %w", err)
		}
		if f, err = glyphs.Parse(name, data); err != nil {
			return nil, err
		}
		if c.fonts == nil {
			c.fonts, c.ranges = map[string]*glyphs.Font{}, map[string][]byte{}
		}
		c.fonts[name] = f
	}
	b, err := f.Range(start)
	if err != nil {
		return nil, err
	}
	c.ranges[key] = b
	return b, nil
}

func (t *Service) handleStyles(w http.ResponseWriter, r *http.Request) error {
	b := t.cfg.Base(r)
	list := make([]map[string]any, 0, len(styleIDs))
	for _, id := range styleIDs {
		list = append(list, map[string]any{"id": id, "title": "sitmap " + id,
			"links": []api.Link{styleLink(b, id),
				{Href: b + "/tiles/" + api.PathEscape(id) + ".json", Rel: "describedby", Type: api.MediaJSON, Title: "TileJSON of " + id}}})
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, map[string]any{
		"links":  []api.Link{{Href: b + "/styles", Rel: "self", Type: api.MediaJSON, Title: "Styles"}},
		"styles": list,
	})
}

func (t *Service) handleStyle(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["styleId"]
	if !hasStyle(id) {
		return api.NotFound("no style " + id + ": the styles are " + strings.Join(styleIDs, " and "))
	}
	doc, err := t.style(t.cfg.Base(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", tileMaxAge)
	return api.WriteJSON(w, http.StatusOK, api.MediaStyle, doc)
}

// style builds the style of a tile set: the basemap style, with the data
// layers of all.json over it for "all", and every source and glyph URL
// made absolute (clients such as QGIS resolve no relative URL).
func (t *Service) style(base, id string) (map[string]any, error) {
	doc, err := t.styleAsset(styleBasemapAsset)
	if err != nil {
		return nil, err
	}
	if id == tilesetAll {
		data, err := t.styleAsset(styleDataAsset)
		if err != nil {
			return nil, err
		}
		sources, _ := doc["sources"].(map[string]any)
		for k, v := range data["sources"].(map[string]any) {
			sources[k] = v
		}
		doc["layers"] = append(withoutBackground(doc["layers"].([]any)), data["layers"].([]any)...)
		doc["name"] = "sitmap: all collections over the basemap"
	}
	for _, v := range doc["sources"].(map[string]any) {
		if src, ok := v.(map[string]any); ok {
			if u, ok := src["url"].(string); ok {
				src["url"] = base + u
			}
		}
	}
	if g, ok := doc["glyphs"].(string); ok {
		doc["glyphs"] = base + g
	}
	return doc, nil
}

// withoutBackground drops the background (the sea colour) from the layers:
// QGIS, which draws each tile set as its own layer, paints a style's
// background over every layer under it, so the "all" layer would hide the
// basemap layer.
func withoutBackground(layers []any) []any {
	out := layers[:0:0]
	for _, l := range layers {
		if m, ok := l.(map[string]any); !ok || m["type"] != "background" {
			out = append(out, l)
		}
	}
	return out
}

// styleAsset decodes a style file afresh, so each answer can be changed.
func (t *Service) styleAsset(name string) (map[string]any, error) {
	if t.cfg.Assets == nil {
		return nil, fmt.Errorf("no assets configured: style %s is unavailable", name)
	}
	b, err := fs.ReadFile(t.cfg.Assets, name)
	if err != nil {
		return nil, fmt.Errorf("read style: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("style %s: %w", name, err)
	}
	if _, ok := doc["sources"].(map[string]any); !ok {
		return nil, fmt.Errorf("style %s has no sources", name)
	}
	if _, ok := doc["layers"].([]any); !ok {
		return nil, fmt.Errorf("style %s has no layers", name)
	}
	return doc, nil
}
