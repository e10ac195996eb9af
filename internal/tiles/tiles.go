package tiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/paulmach/orb/maptile"
	"golang.org/x/sync/singleflight"

	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/basemap"
	"github.com/sitmap/sitmap/internal/gzpool"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/internal/tilecache"
)

// Tile set names beside the collection ids.
const (
	All     = "all"     // every collection, one layer each
	Basemap = "basemap" // the embedded offline basemap
)

const (
	basemapAsset = "basemap/basemap.geojson.gz"
	// basemapVersion keys basemap tiles: the asset only changes with the binary.
	basemapVersion = "1"
	renderTimeout  = 30 * time.Second
)

// Tile is a rendered tile: the MVT bytes (none for an empty tile) and a
// strong tag made from them. Its gzip form, which has a tag of its own, is
// made the first time a client asks for it: a client that never does (a
// GIS tool, a load generator) costs no compression, and a browser's first
// request pays it as it did when every render compressed.
type Tile struct {
	Data []byte

	// tags holds each form's tag (gzip second) and length holds the plain
	// form's length, as a response's header carries them: made once for
	// every response of a cached tile.
	tags   [2]string
	length [1]string
	gz     struct {
		once   sync.Once
		body   []byte
		length [1]string
	}
}

// Tag returns the ETag header value of the plain form, or of the gzip form
// if gz, shared by every caller: read it only. It has no spare capacity,
// so an append copies it.
func (t *Tile) Tag(gz bool) []string {
	if gz {
		return t.tags[1:2:2]
	}
	return t.tags[0:1:1]
}

// Body returns the plain form, or the gzip form if gz, and its
// Content-Length header value as Tag does. The gzip form is compressed
// on the first call that asks for it.
func (t *Tile) Body(gz bool) (body []byte, length []string) {
	if !gz {
		return t.Data, t.length[:]
	}
	t.gz.once.Do(func() {
		var buf bytes.Buffer
		buf.Grow(len(t.Data)/2 + 512) // about what a tile compresses to: one allocation
		zw := gzpool.Get(&buf)
		_, _ = zw.Write(t.Data) // a bytes.Buffer does not fail
		_ = zw.Close()
		gzpool.Put(zw)
		// The cache keeps the body as long as the tile: no spare capacity.
		t.gz.body, t.gz.length[0] = bytes.Clone(buf.Bytes()), strconv.Itoa(buf.Len())
	})
	return t.gz.body, t.gz.length[:]
}

// Size is what the tile costs a cache, with room for its gzip form
// whether or not it has been made: a tile compresses to less than half.
func (t *Tile) Size() int64 {
	return int64(len(t.Data)+len(t.Data)/2+len(t.tags[0])+len(t.tags[1])) + 96
}

// Pipeline renders, caches and coalesces tiles of one store.
type Pipeline struct {
	store  store.Store
	assets fs.FS
	log    func(msg string, args ...any)
	cache  *tilecache.Cache[*Tile]
	group  singleflight.Group

	// FilterTimeout bounds the evaluation of a tile's CQL2 filter (0: the
	// render timeout); past it the render fails with cql2.ErrTimeout.
	FilterTimeout time.Duration

	basemapOnce sync.Once
	basemap     *basemap.Basemap
	basemapErr  error
}

// New makes a pipeline over st with a cache of cacheBytes; assets holds
// the basemap (nil: no basemap); log reports the basemap's loading.
func New(st store.Store, assets fs.FS, cacheBytes int64, log func(msg string, args ...any)) *Pipeline {
	return &Pipeline{store: st, assets: assets, log: log, cache: tilecache.New[*Tile](cacheBytes)}
}

// CacheStats reports the cache's figures.
func (p *Pipeline) CacheStats() tilecache.Stats { return p.cache.Stats() }

// Get returns a tile of the tile set, as of when (its Time and At from the
// datetime parameter, AsOf from as_of; datetime is both as asked, for the
// key; CQL the filter of the features drawn, keyed by its canonical text), from the cache or rendered once for every
// request that waits for it. An unknown tile set is store.ErrNotFound.
func (p *Pipeline) Get(ctx context.Context, tileset string, t maptile.Tile, when store.Query, datetime string) (*Tile, error) {
	// The key is made on the stack and copied only for a new tile: a
	// cached tile costs no allocation here.
	var buf [192]byte
	src, b, err := p.source(ctx, tileset, append(append(buf[:0], tileset...), '@'))
	if err != nil {
		return nil, err
	}
	k := Key{Tile: t, Datetime: datetime}
	if when.CQL != nil {
		// drawn are only the features that match the CQL2 filter
		k.Filter = when.CQL.String()
	}
	b = k.appendTail(b)
	if ct, ok := p.cache.GetBytes(b); ok {
		return ct, nil
	}
	return p.renderOnce(ctx, src, t, when, string(b))
}

// renderOnce renders a tile for every request that waits for it, and
// caches it.
func (p *Pipeline) renderOnce(ctx context.Context, src source, t maptile.Tile, when store.Query, key string) (*Tile, error) {
	limit := renderTimeout
	if when.CQL != nil && p.FilterTimeout > 0 {
		limit = min(limit, p.FilterTimeout)
	}
	ch := p.group.DoChan(key, func() (any, error) {
		// A render that ended between this request's cache miss and its
		// joining the group has put its tile in the cache.
		if ct, ok := p.cache.Peek(key); ok {
			return ct, nil
		}
		// The render outlives the request that started it (others may
		// wait for it), so a client going away does not cancel it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
		defer cancel()
		ct, err := p.render(rctx, &src, t, when)
		if err == nil {
			p.cache.Put(key, ct)
		}
		return ct, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Tile), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// source is where a tile set's features come from.
type source struct {
	name    string
	all     []store.CollectionVersion // the collections of All, one layer each
	basemap *basemap.Basemap
}

// cols lists the store collections drawn, one layer each.
func (s *source) cols() []string {
	switch {
	case s.basemap != nil:
		return nil
	case s.name != All:
		return []string{s.name}
	}
	out := make([]string, len(s.all))
	for i, c := range s.all {
		out[i] = c.ID
	}
	return out
}

// Layers lists the store collections a tile set draws, one layer each
// (none for the basemap); an unknown tile set is store.ErrNotFound.
func (p *Pipeline) Layers(ctx context.Context, tileset string) ([]string, error) {
	src, _, err := p.source(ctx, tileset, nil)
	return src.cols(), err
}

// source resolves a tile set and appends to key what changes when its
// features do: the change version of each collection involved (Key's
// Versions).
func (p *Pipeline) source(ctx context.Context, tileset string, key []byte) (source, []byte, error) {
	switch tileset {
	case Basemap:
		bm, err := p.Basemap()
		return source{name: tileset, basemap: bm}, append(key, basemapVersion...), err
	case All:
		cols, err := p.versions(ctx)
		if err != nil {
			return source{}, key, err
		}
		for i, c := range cols {
			if i > 0 {
				key = append(key, ',')
			}
			key = strconv.AppendInt(append(append(key, c.ID...), '@'), c.Version, 10)
		}
		return source{name: tileset, all: cols}, key, nil
	}
	v, err := p.store.Version(ctx, tileset)
	if errors.Is(err, store.ErrNotFound) {
		return source{}, key, store.Errorf(store.ErrNotFound, "no tile set %q: use a collection id, %q or %q", tileset, All, Basemap)
	}
	if err != nil {
		return source{}, key, err
	}
	return source{name: tileset}, strconv.AppendInt(key, v, 10), nil
}

// versions lists every collection's change version, through the store's
// cheaper list when it has one.
func (p *Pipeline) versions(ctx context.Context) ([]store.CollectionVersion, error) {
	if vl, ok := p.store.(store.VersionLister); ok {
		return vl.CollectionVersions(ctx)
	}
	cols, err := p.store.Collections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.CollectionVersion, len(cols))
	for i, c := range cols {
		out[i] = store.CollectionVersion{ID: c.ID, Version: c.Version}
	}
	return out, nil
}

// Basemap reads the embedded basemap on first use.
func (p *Pipeline) Basemap() (*basemap.Basemap, error) {
	p.basemapOnce.Do(func() {
		if p.assets == nil {
			p.basemapErr = errors.New("no assets configured: the basemap is unavailable")
			return
		}
		f, err := p.assets.Open(basemapAsset)
		if err != nil {
			p.basemapErr = fmt.Errorf("open basemap: %w", err)
			return
		}
		defer f.Close()
		start := time.Now()
		p.basemap, p.basemapErr = basemap.LoadGzip(f)
		p.log("basemap loaded", "duration", time.Since(start), "err", p.basemapErr)
	})
	return p.basemap, p.basemapErr
}

func (p *Pipeline) render(ctx context.Context, src *source, t maptile.Tile, when store.Query) (*Tile, error) {
	layers, err := p.layers(ctx, src, t, when)
	if err != nil {
		return nil, err
	}
	data, err := geo.Render(layers, t, geo.RenderOptions{Time: when.Time, At: when.At})
	if err != nil {
		return nil, fmt.Errorf("render %s %d/%d/%d: %w", src.name, t.Z, t.X, t.Y, err)
	}
	if len(data) == 0 {
		return &Tile{}, nil
	}
	sum := sha256.Sum256(data)
	return newTile(data, hex.EncodeToString(sum[:12])), nil
}

// newTile makes a tile of its data and tag.
func newTile(data []byte, tag string) *Tile {
	return &Tile{Data: data, tags: [2]string{`"` + tag + `"`, `"` + tag + `-gz"`}, length: [1]string{strconv.Itoa(len(data))}}
}

// layers fetches the features of each layer of the tile through the
// store's spatial index (or the basemap's grid).
func (p *Pipeline) layers(ctx context.Context, src *source, t maptile.Tile, when store.Query) ([]geo.TileLayer, error) {
	if src.basemap != nil {
		return src.basemap.Tile(geo.TileBound(t)), nil
	}
	bbox := geo.TileBBox(t)
	cols := src.cols()
	out := make([]geo.TileLayer, 0, len(cols))
	for _, cid := range cols {
		page, err := p.store.Query(ctx, store.Query{Collection: cid, Filter: geo.Filter{BBox: &bbox, Time: when.Time}, AsOf: when.AsOf, CQL: when.CQL})
		if errors.Is(err, store.ErrNotFound) && src.name == All {
			continue // deleted since the collections were listed
		}
		if err != nil {
			return nil, err
		}
		if len(page.Features) > 0 {
			out = append(out, geo.TileLayer{Name: cid, Features: page.Features})
		}
	}
	return out, nil
}
