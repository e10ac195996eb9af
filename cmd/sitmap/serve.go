package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/web"
)

// memoryHeadroom is what the server may allocate beyond the live data and
// a full tile cache before the garbage collector works harder.
const memoryHeadroom = 256 << 20

// limitMemory keeps Go's soft memory limit at the live heap and half
// again (the fragmentation, stacks and metadata a heap of many small
// objects carries) plus the tile cache plus headroom, so a read-heavy
// server's heap does not double between collections (Go's default), and
// follows the data as it grows. A limit below what the process needs to
// hold its data would make the collector run back to back even when the
// server is idle. GOMEMLIMIT, when set, wins.
func limitMemory(ctx context.Context, log *slog.Logger, tileCache int64, goMemLimit string) {
	if goMemLimit != "" {
		return
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() int64 {
		metrics.Read(live)
		heap := int64(live[0].Value.Uint64())
		limit := heap + heap/2 + tileCache + memoryHeadroom
		debug.SetMemoryLimit(limit)
		return limit
	}
	// Opening a store leaves garbage behind (decoded records): give it
	// back before serving.
	debug.FreeOSMemory()
	log.Info("memory", "soft_limit_mb", set()>>20)
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				set()
			}
		}
	}()
}

func serve(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", e.getenv("SITMAP_TOKEN"), "bearer token that enables writes (env SITMAP_TOKEN); none means read-only")
	tokenName := fs.String("token-name", "admin", "editor name that writes with --token record in the history")
	baseURL := fs.String("base-url", "", "public URL of the service for absolute links (default: from each request)")
	cacheMB := fs.Int("tile-cache-mb", 128, "memory for rendered tiles, in MiB")
	basemapURL := fs.String("basemap-url", "", "optional online raster basemap, e.g. https://tile.example/{z}/{x}/{y}.png (default: offline only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cacheMB < 0 {
		return fmt.Errorf("--tile-cache-mb %d: must not be negative", *cacheMB)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))

	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	seeded, err := dataset.SeedOnce(ctx, st, assets.FS)
	if err != nil {
		return err
	}
	if seeded {
		log.Info("new store: loaded the seed data set")
	}
	limitMemory(ctx, log, int64(*cacheMB)<<20, e.getenv("GOMEMLIMIT"))
	srv := web.New(web.Config{
		Store: st, Assets: assets.FS, Token: *token, TokenName: *tokenName, BaseURL: *baseURL,
		TileCacheBytes: int64(*cacheMB) << 20, BasemapURL: *basemapURL, Log: log, Version: version,
	})
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "url", "http://"+ln.Addr().String(), "read_only", *token == "")
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	srv.Close()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
