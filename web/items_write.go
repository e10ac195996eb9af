package web

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

// authorize lets a write of features through for an editor or an admin
// (authenticate).
func (s *Server) authorize(r *http.Request) error {
	_, err := s.authenticate(r)
	return err
}

// authenticate checks the Bearer token and returns its role: the
// configured token (compared in constant time) is an admin's, a named
// token has its own. Without any token the server is read-only.
func (s *Server) authenticate(r *http.Request) (string, error) {
	if s.cfg.Token == "" && !s.tokens.any(r.Context(), s.cfg.Store) {
		return "", api.MethodNotAllowed("the server is read-only: start it with --token or SITMAP_TOKEN, or add a token with sitmap token add, to allow writes")
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", api.Unauthorized("writes need an Authorization: Bearer <token> header")
	}
	tok = strings.TrimSpace(tok)
	if s.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) == 1 {
		nameEditor(r, s.cfg.TokenName)
		return store.RoleAdmin, nil
	}
	return s.authorizeNamed(r, tok)
}

// readFeatures reads a GeoJSON Feature or FeatureCollection body of at
// most maxBody bytes. A FeatureCollection is allowed only when many is.
func readFeatures(w http.ResponseWriter, r *http.Request, many bool) ([]*geo.Feature, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != api.MediaGeoJSON && mt != api.MediaJSON) {
			return nil, api.UnsupportedMediaType(fmt.Sprintf("Content-Type %q: send application/geo+json or application/json", ct))
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	var head struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, api.BadRequest("body", "the body is not JSON: "+err.Error())
	}
	var fs []*geo.Feature
	switch {
	case head.Type == "Feature":
		f, err := geo.DecodeFeature(body)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	case head.Type == "FeatureCollection" && many:
		if len(head.Features) == 0 {
			return nil, api.BadRequest("features", "the FeatureCollection has no features")
		}
		for i, raw := range head.Features {
			f, err := geo.DecodeFeature(raw)
			if err != nil {
				return nil, geo.InFeature(err, i, "", fmt.Sprintf("features[%d]", i))
			}
			fs = append(fs, f)
		}
	case many:
		return nil, api.BadRequest("type", fmt.Sprintf("type %q: send a GeoJSON Feature or FeatureCollection", head.Type))
	default:
		return nil, api.BadRequest("type", fmt.Sprintf("type %q: send one GeoJSON Feature", head.Type))
	}
	for i, f := range fs {
		fs[i] = f.Without("updated") // the server's to set
	}
	return fs, nil
}

// readBody reads a write's body of at most maxBody bytes within the
// server's read timeout. A body cut short is the client's doing: 400
// while it is there to hear it, 499 when it has gone; 408 when it is too
// slow.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		// Done reading: the read deadline must not cut the answer short
		// through net/http's background read.
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
		return body, nil
	case errors.As(err, &tooBig):
		return nil, err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, &api.Error{Status: http.StatusRequestTimeout, Code: "RequestTimeout", Field: "body",
			Description: fmt.Sprintf("the body did not arrive within the read timeout (%d of %d bytes came)", len(body), r.ContentLength)}
	case r.Context().Err() != nil:
		return nil, api.ClientClosed()
	}
	return nil, api.BadRequest("body", fmt.Sprintf("the body ended early after %d bytes: %v", len(body), err))
}

// validate puts features in the collection and checks them exactly as
// sitmap import does.
func validate(fs []*geo.Feature, c *geo.Collection) ([]*geo.Feature, error) {
	out := make([]*geo.Feature, len(fs))
	for i, f := range fs {
		out[i] = f.WithCollection(c.ID)
	}
	return out, geo.ValidateAll(out, func(*geo.Feature) *geo.Collection { return c })
}

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	fs, err := readFeatures(w, r, true)
	if err != nil {
		return err
	}
	if fs, err = query.ToCRS84(r, fs); err != nil {
		return err
	}
	if fs, err = validate(fs, c); err != nil {
		return err
	}
	if fs, err = s.cfg.Store.Put(r.Context(), fs, store.CreateOnly); err != nil {
		return err
	}
	b := s.base(r)
	w.Header().Set("Location", b+"/collections/"+api.PathEscape(c.ID)+"/items/"+api.PathEscape(fs[0].ID()))
	if len(fs) == 1 {
		return s.writeWritten(w, r, c, fs[0], http.StatusCreated)
	}
	buf, err := api.AppendFeatureCollection(nil, api.CollectionHead{Matched: -1, Returned: len(fs)}, len(fs),
		func(buf []byte, i int) ([]byte, error) { return fs[i].AppendJSON(buf), nil })
	if err != nil {
		return err
	}
	query.SetContentCRS(w, nil)
	return api.WriteBytes(w, http.StatusCreated, api.MediaGeoJSON, buf)
}

// current loads the feature a replace or delete acts on and checks
// If-Match against it; the version returned makes the store check again
// atomically.
func (s *Server) current(r *http.Request, cid, fid string) (int64, error) {
	cur, err := s.cfg.Store.Get(r.Context(), cid, fid)
	if err != nil {
		return 0, err
	}
	im := r.Header.Get("If-Match")
	if im == "" {
		return 0, nil
	}
	if err := checkIfMatch(im, cur); err != nil {
		return 0, err
	}
	return cur.Version(), nil
}

// checkIfMatch is the 412 for an If-Match that names no current tag of cur.
func checkIfMatch(im string, cur *geo.Feature) error {
	if !api.ETagMatches(im, etag(cur), false) {
		return api.PreconditionFailed(fmt.Sprintf("If-Match %s: the feature is now at %s", im, etag(cur)))
	}
	return nil
}

func (s *Server) handleReplace(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	fid := mux.Vars(r)["featureId"]
	fs, err := readFeatures(w, r, false)
	if err != nil {
		return err
	}
	if fs, err = query.ToCRS84(r, fs); err != nil {
		return err
	}
	if id := fs[0].ID(); id != "" && id != fid {
		return api.BadRequest("id", fmt.Sprintf("the body's id %q differs from %q in the URL", id, fid))
	}
	fs[0] = fs[0].WithID(fid)
	if fs, err = validate(fs, c); err != nil {
		return err
	}
	version, err := s.current(r, c.ID, fid)
	if err != nil {
		return err
	}
	f, err := s.cfg.Store.Replace(r.Context(), fs[0], version)
	if err != nil {
		return err
	}
	return s.writeWritten(w, r, c, f, http.StatusOK)
}

// writeWritten answers a write with the feature as stored: its ETag, and
// its GeoJSON (CRS84) with links.
func (s *Server) writeWritten(w http.ResponseWriter, r *http.Request, c *geo.Collection, f *geo.Feature, status int) error {
	w.Header().Set("ETag", etag(f))
	body, err := featureJSON(f, s.featureLinks(r, c, f, api.FormatJSON))
	if err != nil {
		return err
	}
	query.SetContentCRS(w, nil)
	return api.WriteBytes(w, status, api.MediaGeoJSON, body)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	fid := mux.Vars(r)["featureId"]
	version, err := s.current(r, c.ID, fid)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.Delete(r.Context(), c.ID, fid, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
