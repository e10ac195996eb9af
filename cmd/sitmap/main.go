// Command sitmap is the situation map service: serve, import, export.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/sitmap/sitmap/web"
)

// version is set at build time with -ldflags "-X main.version=..."
// (the Makefile's VERSION); without it, web's DevVersion.
var version = web.DevVersion

func main() {
	// Nothing reads heap profiles, and sampling every 512 KiB of a
	// store's load kept a record of each sample's stack for good.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// env is the program's view of its surroundings, so tests can run it whole.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

const usage = `usage:
  sitmap serve  [--addr 127.0.0.1:8080] [--db data/sitmap.db | --store postgres://...] [--token T]
  sitmap import [--db ... | --store ...] [--collection CID] [--format F] [--set key=value ...] FILE ...
  sitmap export [--db ... | --store ...] [--collection CID] [--bbox w,s,e,n] [--format F --out FILE] > out.geojson
    F: geojson (default), gpkg, fgb, kml, kmz or csv; import guesses it from the extension
  sitmap export --history [--db ... | --store ...] [--collection CID] [--out FILE]   (every version; import restores it)
  sitmap migrate --from FILE.db --to postgres://...   (or --from postgres://... --to FILE.db)
  sitmap history prune --before DATE [--db ... | --store ... | --url http://HOST:PORT --token ADMIN_TOKEN]
  sitmap token add NAME [--role editor|admin] | token list | token revoke NAME
               [--db ... | --store ... | --url http://HOST:PORT --token ADMIN_TOKEN]
  sitmap version
`

// run executes one subcommand and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmds := map[string]func(context.Context, env, []string) error{
		"serve":   serve,
		"import":  importCmd,
		"export":  exportCmd,
		"migrate": migrateCmd,
		"history": historyCmd,
		"token":   tokenCmd,
		"version": func(context.Context, env, []string) error {
			fmt.Fprintf(stdout, "sitmap %s\n", version)
			return nil
		},
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sitmap: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, e, args[1:]); err != nil {
		fmt.Fprintf(stderr, "sitmap %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
