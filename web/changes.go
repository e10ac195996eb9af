package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

func changesParams() []api.Param {
	return []api.Param{
		{Name: "since", In: "query", Description: "Only writes at or after this RFC 3339 time (a bare date: its start).", Schema: map[string]any{"type": "string", "format": "date-time"}},
		{Name: "collection", In: "query", Description: "Only writes to this collection.", Schema: map[string]any{"type": "string"}},
		{Name: "limit", In: "query", Description: "Page size; values above the maximum are clamped to it.",
			Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": query.MaxLimit, "default": query.DefaultLimit}},
		{Name: "after", In: "query", Description: "Only writes after this sequence number (the next link carries it; /events numbers its changes the same way).",
			Schema: map[string]any{"type": "integer", "minimum": 0}},
	}
}

// changeJSON is one write in the changes feed.
type changeJSON struct {
	Seq        int64            `json:"seq"`
	Time       string           `json:"time"`
	Collection string           `json:"collection"`
	ID         string           `json:"id"`
	Version    int64            `json:"version"`
	Change     store.ChangeType `json:"change"`
	Editor     string           `json:"editor"`
}

func parseChangesQuery(v url.Values) (store.ChangesQuery, error) {
	q := store.ChangesQuery{Limit: query.DefaultLimit}
	if err := onlyParams(v, "since", "collection", "limit", "after", "f"); err != nil {
		return q, err
	}
	var err error
	if val := v.Get("since"); val != "" {
		if q.Since, err = geo.ParseTime(val, false); err != nil {
			return q, api.BadRequest("since", fmt.Sprintf("since: %v", err))
		}
	}
	if val := v.Get("limit"); val != "" {
		if q.Limit, err = query.ParseLimit(val); err != nil {
			return q, err
		}
	}
	if val := v.Get("after"); val != "" {
		if q.After, err = strconv.ParseInt(val, 10, 64); err != nil || q.After < 0 {
			return q, api.BadRequest("after", fmt.Sprintf("after=%q must be a sequence number of 0 or more", val))
		}
	}
	q.Collection = v.Get("collection")
	return q, nil
}

func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	q, err := parseChangesQuery(v)
	if err != nil {
		return err
	}
	if q.Collection != "" {
		if _, err := s.cfg.Store.Collection(r.Context(), q.Collection); err != nil {
			return err
		}
	}
	vs, err := s.cfg.Store.Changes(r.Context(), q)
	if err != nil {
		return err
	}
	out := struct {
		Changes        []changeJSON `json:"changes"`
		NumberReturned int          `json:"numberReturned"`
		Links          []api.Link   `json:"links"`
	}{Changes: make([]changeJSON, len(vs)), NumberReturned: len(vs)}
	for i, c := range vs {
		out.Changes[i] = changeJSON{Seq: c.Seq, Time: c.Time.UTC().Format(time.RFC3339Nano), Collection: c.Collection,
			ID: c.ID, Version: c.Version, Change: c.Change, Editor: c.Editor}
	}
	href := s.base(r) + "/changes"
	out.Links = []api.Link{{Href: api.WithQuery(href, v), Rel: "self", Type: api.MediaJSON, Title: "changes"}}
	if len(vs) == q.Limit {
		next := api.CloneValues(v)
		next.Set("after", strconv.FormatInt(vs[len(vs)-1].Seq, 10))
		out.Links = append(out.Links, api.Link{Href: api.WithQuery(href, next), Rel: "next", Type: api.MediaJSON, Title: "next page"})
	}
	return api.WriteJSON(w, http.StatusOK, api.MediaJSON, out)
}
