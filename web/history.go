package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
)

// historyRoutes serve the record-time history of features (issue 12).
func (s *Server) historyRoutes() []api.Route {
	versions := "/collections/{collectionId}/items/{featureId}/versions"
	return []api.Route{
		{Method: http.MethodGet, Path: versions, Name: "getFeatureVersions", Summary: "Every kept version of a feature, newest first, with version, updated, editor and change; deleted features too",
			Tags: []string{"History"}, Params: []api.Param{collectionIDParam, featureIDParam},
			Responses: map[string][]string{"200": {api.MediaGeoJSON}, "404": nil}, Handle: s.handleVersions},
		{Method: http.MethodGet, Path: versions + "/{version}", Name: "getFeatureVersion", Summary: "One version of a feature, with its ETag",
			Tags: []string{"History"}, Params: []api.Param{collectionIDParam, featureIDParam,
				{Name: "version", In: "path", Required: true, Description: "A version number from the versions list", Schema: map[string]any{"type": "integer"}}},
			Responses: map[string][]string{"200": {api.MediaGeoJSON}, "304": nil, "404": nil}, Handle: s.handleVersion},
		{Method: http.MethodGet, Path: "/changes", Name: "getChanges", Summary: "The writes since a time, oldest first, paged: collection, id, version, change, editor and time",
			Tags: []string{"History"}, Params: changesParams(),
			Responses: map[string][]string{"200": {api.MediaJSON}, "400": nil, "404": nil}, Handle: s.handleChanges},
	}
}

// onlyParams rejects query parameters other than those allowed.
func onlyParams(v url.Values, allowed ...string) error {
	for k, vals := range v {
		if !slices.Contains(allowed, k) {
			return api.BadRequest(k, fmt.Sprintf("unknown query parameter %q: use %s", k, strings.Join(allowed, ", ")))
		}
		if len(vals) > 1 {
			return api.BadRequest(k, fmt.Sprintf("query parameter %q is given %d times", k, len(vals)))
		}
	}
	return nil
}

// featureAt is one feature as a request asks for it: as stored, as the
// store held it at as_of (record time), and at the instant of datetime
// (valid time).
func (s *Server) featureAt(r *http.Request, cid, fid string) (*geo.Feature, error) {
	v := r.URL.Query()
	var f *geo.Feature
	var err error
	if val := v.Get("as_of"); val != "" {
		asOf, perr := api.ParseAsOf(val)
		if perr != nil {
			return nil, perr
		}
		f, err = s.versionAsOf(r.Context(), cid, fid, asOf)
	} else {
		f, err = s.cfg.Store.Get(r.Context(), cid, fid)
	}
	if err != nil {
		return nil, err
	}
	at, err := featureDatetime(v)
	if err != nil {
		return nil, err
	}
	return atInstant([]*geo.Feature{f}, at)[0], nil
}

// versionAsOf is the version of a feature the store held at t.
func (s *Server) versionAsOf(ctx context.Context, cid, fid string, t time.Time) (*geo.Feature, error) {
	vs, err := s.cfg.Store.Versions(ctx, cid, fid)
	if err != nil {
		return nil, err
	}
	for _, v := range vs { // newest first
		if v.Time.After(t) {
			continue
		}
		if v.Change == store.Deleted || v.Feature == nil {
			break
		}
		return v.StoredAt(), nil
	}
	return nil, store.Errorf(store.ErrNotFound, "feature %s/%s did not exist at %s", cid, fid, t.Format(time.RFC3339Nano))
}

// versionFeature is a version as the API shows it: the stored properties
// plus version, updated (the record time), editor and change.
func versionFeature(v store.Version) (*geo.Feature, error) {
	f := v.StoredAt()
	if f == nil { // a deletion of a feature older than its history
		var err error
		if f, err = geo.NewFeature(v.ID, nil, nil); err != nil {
			return nil, err
		}
	}
	editor, _ := json.Marshal(v.Editor)
	for _, p := range []struct{ k, raw string }{
		{"version", strconv.FormatInt(v.Version, 10)},
		{"updated", strconv.Quote(v.Time.UTC().Format(time.RFC3339Nano))},
		{"editor", string(editor)},
		{"change", strconv.Quote(string(v.Change))},
	} {
		var err error
		if f, err = f.WithProperty(p.k, json.RawMessage(p.raw)); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r.URL.Query(), "f"); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	fid := mux.Vars(r)["featureId"]
	vs, err := s.cfg.Store.Versions(r.Context(), c.ID, fid)
	if err != nil {
		return err
	}
	href := s.base(r) + "/collections/" + api.PathEscape(c.ID) + "/items/" + api.PathEscape(fid)
	head := api.CollectionHead{Matched: -1, Returned: len(vs), Links: []api.Link{
		{Href: href + "/versions", Rel: "self", Type: api.MediaGeoJSON, Title: "versions"},
		{Href: href, Rel: "latest-version", Type: api.MediaGeoJSON, Title: "the feature"},
	}}
	buf, err := api.AppendFeatureCollection(nil, head, len(vs), func(buf []byte, i int) ([]byte, error) {
		f, err := versionFeature(vs[i])
		if err != nil {
			return nil, err
		}
		return f.AppendJSON(buf), nil
	})
	if err != nil {
		return err
	}
	return api.WriteBytes(w, http.StatusOK, api.MediaGeoJSON, buf)
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r.URL.Query(), "f"); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	vars := mux.Vars(r)
	n, err := strconv.ParseInt(vars["version"], 10, 64)
	if err != nil || n < 1 {
		return api.BadRequest("version", fmt.Sprintf("version %q must be a positive integer", vars["version"]))
	}
	vs, err := s.cfg.Store.Versions(r.Context(), c.ID, vars["featureId"])
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Version != n {
			continue
		}
		f, err := versionFeature(v)
		if err != nil {
			return err
		}
		tag := `"` + strconv.FormatInt(n, 10) + `"`
		w.Header().Set("ETag", tag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && api.ETagMatches(inm, tag, true) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		return api.WriteBytes(w, http.StatusOK, api.MediaGeoJSON, f.AppendJSON(nil))
	}
	return api.NotFound(fmt.Sprintf("feature %s/%s has no version %d", c.ID, vars["featureId"], n))
}

// nameEditor makes the writes of r record their editor: the handler that
// authorized r goes on with the same *http.Request, so it is replaced in
// place with one whose context names the editor.
func nameEditor(r *http.Request, name string) {
	if name == "" {
		name = "admin"
	}
	*r = *r.WithContext(store.WithEditor(r.Context(), name))
}
