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
	"strings"
	"time"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/store"
	"github.com/sitmap/sitmap/web"
	"github.com/sitmap/sitmap/web/middleware"
)

// logFlushEvery is how long a log line may wait in the buffer.
const logFlushEvery = 100 * time.Millisecond

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
	trustProxy := fs.Bool("trust-proxy", false, "take the scheme and host of links from X-Forwarded-Proto and X-Forwarded-Host (only behind a proxy that sets them; --base-url wins)")
	t := timeoutFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cacheMB < 0 {
		return fmt.Errorf("--tile-cache-mb %d: must not be negative", *cacheMB)
	}
	if err := checkToken(fs, *token); err != nil {
		return err
	}
	if err := checkTimeouts(*t); err != nil {
		return err
	}
	logw := middleware.NewLogWriter(e.stderr, logFlushEvery)
	defer logw.Close()
	log := slog.New(slog.NewTextHandler(logw, nil))

	st, err := openServed(ctx, &sf, log)
	if err != nil {
		return err
	}
	defer st.Close()
	limitMemory(ctx, log, int64(*cacheMB)<<20, e.getenv("GOMEMLIMIT"))
	go returnWhenIdle(ctx)
	srv := web.New(web.Config{
		Store: st, Assets: assets.FS, Token: *token, TokenName: *tokenName, BaseURL: *baseURL, TrustProxy: *trustProxy, Timeouts: *t,
		TileCacheBytes: int64(*cacheMB) << 20, BasemapURL: *basemapURL, Log: log, AccessLog: logw, Version: version,
	})
	defer srv.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	log.Info("listening", "url", "http://"+ln.Addr().String(), "read_only", *token == "", "trust_proxy", *trustProxy,
		"read_header_timeout", t.ReadHeader, "read_timeout", t.Read, "write_timeout", t.Write, "idle_timeout", t.Idle)
	return serveUntilDone(ctx, log, srv, ln)
}

// openServed opens the store to serve and loads the seed data set into a
// new one.
func openServed(ctx context.Context, sf *storeFlags, log *slog.Logger) (store.Store, error) {
	// Opening a store grows the heap from nothing to the whole data set
	// and leaves little garbage: at Go's default the collector would mark
	// the growing heap over and over (a seventh of the CPU of an open at a
	// million features).
	gc := debug.SetGCPercent(400)
	st, err := sf.open(ctx)
	debug.SetGCPercent(gc)
	if err != nil {
		return nil, err
	}
	seeded, err := dataset.SeedOnce(ctx, st, assets.FS)
	if err != nil {
		st.Close()
		return nil, err
	}
	if seeded {
		log.Info("new store: loaded the seed data set")
	}
	return st, nil
}

// serveUntilDone serves on ln until ctx ends, then lets in-flight requests
// finish (for at most 15 s).
func serveUntilDone(ctx context.Context, log *slog.Logger, srv *web.Server, ln net.Listener) error {
	hs := srv.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(web.Listener(ln)) }()
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

// timeoutFlags registers the server's timeouts, with their defaults.
func timeoutFlags(fs *flag.FlagSet) *web.Timeouts {
	d := web.DefaultTimeouts
	t := &web.Timeouts{}
	fs.DurationVar(&t.ReadHeader, "read-header-timeout", d.ReadHeader, "time a client has to send the request line and headers")
	fs.DurationVar(&t.Read, "read-timeout", d.Read, "time a client has to send a request's body, once its headers are in")
	fs.DurationVar(&t.Write, "write-timeout", d.Write, "time each write of a response may take (per write: streams and large pages live on while the client reads)")
	fs.DurationVar(&t.Idle, "idle-timeout", d.Idle, "time a keep-alive connection may wait for its next request")
	return t
}

// checkToken refuses a token that no request could present: blank, or
// with spaces around it (clients' tokens are trimmed). An empty --token
// given on purpose is refused too; read-only is having no token at all.
func checkToken(fs *flag.FlagSet, token string) error {
	given := token != ""
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "token" })
	switch {
	case !given:
		return nil
	case strings.TrimSpace(token) == "":
		return errors.New("--token (or SITMAP_TOKEN) is blank: no request could authenticate; unset it for a read-only server")
	case strings.TrimSpace(token) != token:
		return errors.New("--token (or SITMAP_TOKEN) starts or ends with whitespace: no request could present it; remove the spaces")
	}
	return nil
}

func checkTimeouts(t web.Timeouts) error {
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--read-header-timeout", t.ReadHeader}, {"--read-timeout", t.Read}, {"--write-timeout", t.Write}, {"--idle-timeout", t.Idle}} {
		if d.v <= 0 {
			return fmt.Errorf("%s %v: must be more than 0", d.flag, d.v)
		}
	}
	return nil
}
