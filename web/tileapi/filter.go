package tileapi

import (
	"net/http"
	"net/url"

	"github.com/sitmap/sitmap/internal/cql2"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// tileFilter reads ?filter= (cql2-text) of a tile request: checked against
// the collection's queryables, or for "all" against CQL2 alone (a property
// that a collection lacks matches nothing there).
func (t *Service) tileFilter(r *http.Request, tileset string) (cql2.Expr, error) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	text, ok := r.URL.Query()["filter"]
	if !ok {
		return nil, nil
	}
	switch tileset {
	case tilesetBasemap:
		return nil, api.BadRequest("filter", "the basemap takes no filter")
	case tilesetAll:
		e, err := cql2.ParseText(text[0])
		if err == nil {
			err = cql2.Validate(e)
		}
		if err != nil {
			return nil, api.BadRequest("filter", "filter: "+err.Error())
		}
		return e, nil
	}
	c, err := t.cfg.Store.Collection(r.Context(), tileset)
	if err != nil {
		return nil, err
	}
	return query.ParseFilter(text[0], "", "", &c)
}

// filterQuery is "?filter=..." when the request has a filter, for the tile
// URL templates of TileJSON and OGC API – Tiles to pass on.
func filterQuery(r *http.Request) string {
	if f := r.URL.Query().Get("filter"); f != "" {
		return "?filter=" + url.QueryEscape(f)
	}
	return ""
}
