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
	"strings"
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

// Tile is a rendered tile: the MVT bytes (none for an empty tile), their
// gzip form, and a strong tag of each form made from the content.
type Tile struct {
	Data, Gzip     []byte
	ETag, GzipETag string
}

// Size is what the tile costs a cache.
func (t *Tile) Size() int64 {
	return int64(len(t.Data)+len(t.Gzip)+len(t.ETag)+len(t.GzipETag)) + 64
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
	src, versions, err := p.source(ctx, tileset)
	if err != nil {
		return nil, err
	}
	k := Key{Tileset: tileset, Tile: t, Versions: versions, Datetime: datetime}
	limit := renderTimeout
	if when.CQL != nil {
		// drawn are only the features that match the CQL2 filter
		k.Filter = when.CQL.String()
		if p.FilterTimeout > 0 {
			limit = min(limit, p.FilterTimeout)
		}
	}
	key := k.String()
	if ct, ok := p.cache.Get(key); ok {
		return ct, nil
	}
	ch := p.group.DoChan(key, func() (any, error) {
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
	cols    []string // the store collections drawn, one layer each
	basemap *basemap.Basemap
}

// Layers lists the store collections a tile set draws, one layer each
// (none for the basemap); an unknown tile set is store.ErrNotFound.
func (p *Pipeline) Layers(ctx context.Context, tileset string) ([]string, error) {
	src, _, err := p.source(ctx, tileset)
	return src.cols, err
}

// source resolves a tile set and says what changes when its features do:
// the change version of each collection involved.
func (p *Pipeline) source(ctx context.Context, tileset string) (source, string, error) {
	switch tileset {
	case Basemap:
		bm, err := p.Basemap()
		return source{name: tileset, basemap: bm}, basemapVersion, err
	case All:
		cols, err := p.store.Collections(ctx)
		if err != nil {
			return source{}, "", err
		}
		src := source{name: tileset, cols: make([]string, len(cols))}
		var v strings.Builder
		for i, c := range cols {
			src.cols[i] = c.ID
			if i > 0 {
				v.WriteByte(',')
			}
			v.WriteString(c.ID + "@" + strconv.FormatInt(c.Version, 10))
		}
		return src, v.String(), nil
	}
	v, err := p.store.Version(ctx, tileset)
	if errors.Is(err, store.ErrNotFound) {
		return source{}, "", store.Errorf(store.ErrNotFound, "no tile set %q: use a collection id, %q or %q", tileset, All, Basemap)
	}
	if err != nil {
		return source{}, "", err
	}
	return source{name: tileset, cols: []string{tileset}}, strconv.FormatInt(v, 10), nil
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
	var buf bytes.Buffer
	zw := gzpool.Get(&buf)
	_, _ = zw.Write(data)
	err = zw.Close()
	gzpool.Put(zw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	tag := hex.EncodeToString(sum[:12])
	return &Tile{Data: data, Gzip: buf.Bytes(), ETag: `"` + tag + `"`, GzipETag: `"` + tag + `-gz"`}, nil
}

// layers fetches the features of each layer of the tile through the
// store's spatial index (or the basemap's grid).
func (p *Pipeline) layers(ctx context.Context, src *source, t maptile.Tile, when store.Query) ([]geo.TileLayer, error) {
	if src.basemap != nil {
		return src.basemap.Tile(geo.TileBound(t)), nil
	}
	bbox := geo.TileBBox(t)
	out := make([]geo.TileLayer, 0, len(src.cols))
	for _, cid := range src.cols {
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
