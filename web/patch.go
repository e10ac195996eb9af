package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web/api"
	"github.com/sitmap/sitmap/web/query"
)

const (
	mediaMergePatch = "application/merge-patch+json"
	confUpdate      = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update"
)

// handlePatch applies a JSON merge patch (RFC 7396) to one feature: the
// members the patch names change, every other one (geometry, sources,
// timeline, unknown properties) stays as stored. The result is validated
// exactly as a PUT body, and written only if the feature is still at the
// version the patch was applied to, so that a concurrent write is never
// overwritten by a merge with stale data (412 instead).
func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r); err != nil {
		return err
	}
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	fid := mux.Vars(r)["featureId"]
	patch, err := readMergePatch(w, r)
	if err != nil {
		return err
	}
	f, err := s.applyPatch(r, c, fid, patch)
	if err != nil {
		return err
	}
	return s.writeWritten(w, r, c, f, http.StatusOK)
}

// patchTries bounds how often a patch without If-Match is applied again
// to a feature that another writer changed in the meantime.
const patchTries = 3

// applyPatch merges the patch into the current feature and replaces it if
// it is still at the version read. Without If-Match the client asked for
// the patch on whatever is current, so a concurrent write only makes it
// read and merge again; with If-Match, or after patchTries, it is a 412.
func (s *Server) applyPatch(r *http.Request, c *geo.Collection, fid string, patch json.RawMessage) (*geo.Feature, error) {
	im := r.Header.Get("If-Match")
	for try := 1; ; try++ {
		cur, err := s.cfg.Store.Get(r.Context(), c.ID, fid)
		if err != nil {
			return nil, err
		}
		if im != "" {
			if err := checkIfMatch(im, cur); err != nil {
				return nil, err
			}
		}
		f, err := patched(r, c, cur, patch)
		if err != nil {
			return nil, err
		}
		f, err = s.cfg.Store.Patch(r.Context(), f, cur.Version())
		if !errors.Is(err, store.ErrVersionMismatch) || im != "" || try == patchTries {
			return f, err
		}
	}
}

// patched is the stored feature with the patch applied, validated as a
// PUT body is.
func patched(r *http.Request, c *geo.Collection, cur *geo.Feature, patch json.RawMessage) (*geo.Feature, error) {
	in, err := query.ContentCRS(r)
	if err != nil {
		return nil, err
	}
	merged, err := mergeFeature(cur.AppendJSON(nil), patch, cur.ID())
	if err != nil {
		return nil, err
	}
	f, err := geo.DecodeFeature(merged)
	if err != nil {
		return nil, err
	}
	fs := []*geo.Feature{f.WithID(cur.ID())}
	if patchesGeometry(patch) {
		// Only the patch's coordinates are in Content-Crs; the stored
		// ones are CRS84 already.
		if fs, err = query.FromCRS(fs, in); err != nil {
			return nil, err
		}
	}
	if fs, err = validate(fs, c); err != nil {
		return nil, err
	}
	return fs[0], nil
}

// readMergePatch reads a merge patch body: a JSON object of at most
// maxBody bytes, sent as application/merge-patch+json (or plain JSON).
func readMergePatch(w http.ResponseWriter, r *http.Request) (json.RawMessage, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != mediaMergePatch && mt != api.MediaJSON) {
			return nil, api.UnsupportedMediaType(fmt.Sprintf("Content-Type %q: send a JSON merge patch as %s", ct, mediaMergePatch))
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("read body: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, api.BadRequest("body", "the body is not a JSON object (a merge patch of the feature)")
	}
	return body, nil
}

// mergeFeature applies the patch to the stored feature's GeoJSON. The id
// and type cannot change; "updated" is the server's to set.
func mergeFeature(stored, patch json.RawMessage, fid string) (json.RawMessage, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, api.BadRequest("body", "the body is not a JSON object")
	}
	if raw, ok := p["id"]; ok {
		var id string
		if json.Unmarshal(raw, &id) != nil || id != fid {
			return nil, api.BadRequest("id", fmt.Sprintf("a patch cannot change the id: %s is not %q", raw, fid))
		}
	}
	if raw, ok := p["type"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte(`"Feature"`)) {
		return nil, api.BadRequest("type", fmt.Sprintf("a patch cannot change the type to %s", raw))
	}
	if props, ok := p["properties"]; ok && isNull(props) {
		return nil, api.BadRequest("properties", "a patch cannot remove every property: name the ones to remove with null")
	}
	merged, err := mergePatch(stored, patch)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(merged, &doc); err != nil {
		return nil, fmt.Errorf("merged feature: %w", err)
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(doc["properties"], &props); err != nil {
		return nil, api.BadRequest("properties", "properties must be an object")
	}
	delete(props, "updated")
	if doc["properties"], err = marshalObject(props); err != nil {
		return nil, err
	}
	return marshalObject(doc)
}

// mergePatch is RFC 7396: an object patch merges member by member (null
// removes), anything else replaces the target. Values the patch does not
// touch keep their bytes.
func mergePatch(target, patch json.RawMessage) (json.RawMessage, error) {
	var p map[string]json.RawMessage
	if len(bytes.TrimSpace(patch)) == 0 || bytes.TrimSpace(patch)[0] != '{' {
		return patch, nil
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, api.BadRequest("body", "the patch is not JSON: "+err.Error())
	}
	var t map[string]json.RawMessage
	if tt := bytes.TrimSpace(target); len(tt) == 0 || tt[0] != '{' || json.Unmarshal(target, &t) != nil {
		t = map[string]json.RawMessage{}
	}
	for k, v := range p {
		if isNull(v) {
			delete(t, k)
			continue
		}
		m, err := mergePatch(t[k], v)
		if err != nil {
			return nil, err
		}
		t[k] = m
	}
	return marshalObject(t)
}

// marshalObject encodes an object of raw values without escaping <, >
// and & in them, so that the values a patch does not touch keep their
// bytes.
func marshalObject(m map[string]json.RawMessage) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode merged feature: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// patchesGeometry reports whether a merge patch sets the geometry.
func patchesGeometry(patch json.RawMessage) bool {
	var p map[string]json.RawMessage
	_ = json.Unmarshal(patch, &p)
	g, ok := p["geometry"]
	return ok && !isNull(g)
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
