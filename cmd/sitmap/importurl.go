package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
)

// apiClient writes features into a running server through its API, for
// `sitmap import --url`: the store file belongs to the server's process.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newAPIClient(base, token string) (*apiClient, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http://HOST:PORT", base)
	}
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("--url needs --token (or SITMAP_TOKEN): the server accepts writes only with one")
	}
	return &apiClient{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 5 * time.Minute}}, nil
}

// importURL validates every feature locally against the server's
// collections, then sends each collection's features as one
// FeatureCollection (all or nothing on the server). If a later collection
// fails, the features the earlier ones created are deleted again, so the
// server ends as it began.
func importURL(ctx context.Context, e env, c *apiClient, inputs []dataset.Input, collection string, set map[string]string) error {
	fs, err := dataset.Read(inputs, collection, set)
	if err != nil {
		return err
	}
	if dataset.IsHistory(fs) {
		return fmt.Errorf("a history export (export --history) restores into an empty store (import --db or --store), not through a running server")
	}
	byCol := map[string][]*geo.Feature{}
	for _, f := range fs {
		byCol[f.Collection()] = append(byCol[f.Collection()], f)
	}
	cids := make([]string, 0, len(byCol))
	cols := map[string]*geo.Collection{}
	for cid := range byCol {
		meta, err := c.collection(ctx, cid)
		if err != nil {
			return err
		}
		cids, cols[cid] = append(cids, cid), meta
	}
	slices.Sort(cids)
	if err := dataset.Check(inputs, fs, cols); err != nil {
		return err
	}
	var created [][2]string
	for _, cid := range cids {
		ids, err := c.create(ctx, cid, byCol[cid])
		if err != nil {
			if undo := c.remove(ctx, created); undo != nil {
				return fmt.Errorf("%w; and undoing the collections written before failed: %v", err, undo)
			}
			return err
		}
		for _, id := range ids {
			created = append(created, [2]string{cid, id})
		}
		fmt.Fprintf(e.stdout, "%s\t%d\n", cid, len(ids))
	}
	return nil
}

// collection reads a collection's definition: its status vocabulary and
// geometry types, which local validation needs.
func (c *apiClient) collection(ctx context.Context, cid string) (*geo.Collection, error) {
	var doc struct {
		ID            string   `json:"id"`
		Title         string   `json:"title"`
		Statuses      []string `json:"statuses"`
		GeometryTypes []string `json:"geometryTypes"`
	}
	if err := c.do(ctx, http.MethodGet, "/collections/"+url.PathEscape(cid)+"?f=json", "", nil, &doc); err != nil {
		return nil, fmt.Errorf("collection %s: %w", cid, err)
	}
	return &geo.Collection{ID: doc.ID, Title: doc.Title, Statuses: doc.Statuses, Geometry: doc.GeometryTypes}, nil
}

// create posts features as one FeatureCollection and returns the ids the
// server stored them under.
func (c *apiClient) create(ctx context.Context, cid string, fs []*geo.Feature) ([]string, error) {
	var body bytes.Buffer
	body.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, f := range fs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(f.Without("collection").JSON())
	}
	body.WriteString("]}")
	var out struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := c.do(ctx, http.MethodPost, "/collections/"+url.PathEscape(cid)+"/items", "application/geo+json", &body, &out); err != nil {
		return nil, fmt.Errorf("import into %s: %w", cid, err)
	}
	ids := make([]string, len(out.Features))
	for i, f := range out.Features {
		ids[i] = f.ID
	}
	return ids, nil
}

func (c *apiClient) remove(ctx context.Context, features [][2]string) error {
	for _, f := range features {
		if err := c.do(ctx, http.MethodDelete, "/collections/"+url.PathEscape(f[0])+"/items/"+url.PathEscape(f[1]), "", nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// do sends one request, with a body of contentType when there is one; an
// error status becomes an error with the server's description.
func (c *apiClient) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token) // admin reads (tokens) need it too
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Description string `json:"description"`
		}
		if json.Unmarshal(data, &e) == nil && e.Description != "" {
			return fmt.Errorf("%s (HTTP %d)", e.Description, resp.StatusCode)
		}
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
