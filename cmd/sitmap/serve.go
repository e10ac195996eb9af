package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/web"
)

// memoryHeadroom is what the server may allocate beyond the loaded data
// and a full tile cache before the garbage collector works harder.
const memoryHeadroom = 256 << 20

// limitMemory sets a soft memory limit sized to the data just loaded, so a
// read-heavy server's heap does not double between collections (Go's
// default), unless the operator chose one with GOMEMLIMIT.
func limitMemory(log *slog.Logger, tileCache int64, goMemLimit string) {
	if goMemLimit != "" {
		return
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	limit := int64(ms.HeapAlloc) + tileCache + memoryHeadroom
	debug.SetMemoryLimit(limit)
	log.Info("memory", "live_mb", ms.HeapAlloc>>20, "soft_limit_mb", limit>>20)
}

func serve(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", e.getenv("SITMAP_TOKEN"), "bearer token that enables writes (env SITMAP_TOKEN); none means read-only")
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
	limitMemory(log, int64(*cacheMB)<<20, e.getenv("GOMEMLIMIT"))
	srv := web.New(web.Config{
		Store: st, Assets: assets.FS, Token: *token, BaseURL: *baseURL,
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
