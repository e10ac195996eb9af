package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/web"
)

func serve(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", e.getenv("SITMAP_TOKEN"), "bearer token that enables writes (env SITMAP_TOKEN); none means read-only")
	baseURL := fs.String("base-url", "", "public URL of the service for absolute links (default: from each request)")
	cacheMB := fs.Int("tile-cache-mb", 256, "memory for rendered tiles, in MiB")
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
