package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
	"github.com/sitmap/sitmap/internal/formats"
)

// progressThreshold is the file size above which import reports progress.
const progressThreshold = 10 << 20

func importCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	collection := fs.String("collection", "", "collection for every feature (default: each feature's \"collection\" property)")
	apiURL := fs.String("url", "", "load into the running server at this URL (http://HOST:PORT) through its API, instead of into --db/--store")
	token := fs.String("token", e.getenv("SITMAP_TOKEN"), "with --url: the server's write token (env SITMAP_TOKEN)")
	formatName := fs.String("format", "", "format of every file: geojson, gpkg, fgb, kml, kmz or csv (default: by extension)")
	set := setFlag{}
	fs.Var(set, "set", "key=value: give features that lack the property this value (repeatable); "+
		"source-url=URL (and source-title=TEXT) give features without sources one source")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("no input files: sitmap import [flags] FILE.geojson|.gpkg|.fgb|.kml|.kmz|.csv ...")
	}
	inputs, closeAll, err := openInputs(fs.Args(), *formatName, e.stderr)
	if err != nil {
		return err
	}
	defer closeAll()
	if *apiURL != "" {
		c, err := newAPIClient(*apiURL, *token)
		if err != nil {
			return err
		}
		return setHint(importURL(ctx, e, c, inputs, *collection, set))
	}
	defs, err := dataset.SeedCollections(assets.FS)
	if err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := dataset.Import(ctx, st, inputs, dataset.Options{Collection: *collection, Collections: defs, Set: set})
	if err != nil {
		return setHint(err)
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(e.stdout, "%s\t%d\n", id, counts[id])
	}
	return nil
}

// openInputs opens the files to import, each with its format: the one
// given, else by extension. GeoJSON is read as a stream (with progress);
// the other decoders want the file itself.
func openInputs(names []string, formatName string, stderr io.Writer) ([]dataset.Input, func(), error) {
	var format formats.Format
	if formatName != "" {
		var ok bool
		if format, ok = formats.Parse(formatName); !ok {
			return nil, nil, fmt.Errorf("--format %q: use geojson, gpkg, fgb, kml, kmz or csv", formatName)
		}
	}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var inputs []dataset.Input
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		in := dataset.Input{Name: name, R: f, Format: format}
		if in.Format == "" {
			in.Format = formats.ByExtension(name)
		}
		if in.Format == formats.GeoJSON {
			in.R = withProgress(f, name, stderr)
		}
		inputs = append(inputs, in)
	}
	return inputs, closeAll, nil
}

// setHint tells how to fill a required property that the file lacks.
func setHint(err error) error {
	var ve *geo.ValidationError
	if !errors.As(err, &ve) || !strings.HasPrefix(ve.Reason, "is required") {
		return err
	}
	switch name, ok := strings.CutPrefix(ve.Field, "properties."); {
	case name == "sources":
		return fmt.Errorf("%w (give features without sources one with --set source-url=URL)", err)
	case ok && !strings.ContainsAny(name, ".["):
		return fmt.Errorf("%w (give it to the features that lack it with --set %s=VALUE)", err, name)
	}
	return err
}

// setFlag collects --set key=value pairs.
type setFlag map[string]string

func (s setFlag) String() string { return "" }

func (s setFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not key=value", v)
	}
	s[strings.TrimSpace(k)] = val
	return nil
}

// withProgress reports every 10% of a large file on w.
func withProgress(f *os.File, name string, w io.Writer) io.Reader {
	info, err := f.Stat()
	if err != nil || info.Size() < progressThreshold {
		return f
	}
	return &progressReader{r: f, name: name, total: info.Size(), w: w}
}

type progressReader struct {
	r           io.Reader
	name        string
	total, read int64
	step        int64
	w           io.Writer
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.read += int64(n)
	if pct := p.read * 10 / p.total; pct > p.step {
		p.step = pct
		fmt.Fprintf(p.w, "%s: read %d%% (%d MB)\n", p.name, pct*10, p.read>>20)
	}
	return n, err
}

// parseBBoxFlag reads --bbox; "" is none.
func parseBBoxFlag(v string) (*geo.BBox, error) {
	if v == "" {
		return nil, nil
	}
	b, err := geo.ParseBBox(v)
	if err != nil {
		return nil, fmt.Errorf("--bbox: %w", err)
	}
	return &b, nil
}

func exportCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	collection := fs.String("collection", "", "export only this collection")
	bboxFlag := fs.String("bbox", "", "only features intersecting w,s,e,n")
	formatName := fs.String("format", "geojson", "geojson, gpkg, fgb, kml, kmz or csv")
	out := fs.String("out", "", "write to this file (default: standard output)")
	history := fs.Bool("history", false, "write every kept version of every feature, deletions included (GeoJSON; see README), for import into an empty store")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *history && (*bboxFlag != "" || *formatName != "geojson") {
		return errors.New("--history writes whole collections as GeoJSON: drop --bbox and --format")
	}
	format, ok := formats.Parse(*formatName)
	if !ok {
		return fmt.Errorf("--format %q: use geojson, gpkg, fgb, kml, kmz or csv", *formatName)
	}
	bbox, err := parseBBoxFlag(*bboxFlag)
	if err != nil {
		return err
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	w := e.stdout
	var file *os.File
	if *out != "" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	var n int
	if *history {
		n, err = dataset.ExportHistory(ctx, st, w, *collection)
	} else {
		n, err = dataset.ExportFormat(ctx, st, w, dataset.ExportOptions{Format: format, Collection: *collection, BBox: bbox,
			Progress: func(n int) { fmt.Fprintf(e.stderr, "export: %d features so far\n", n) }})
	}
	if err == nil && file != nil {
		err = file.Close()
	}
	if err != nil {
		if file != nil {
			os.Remove(*out) // a partial file must not pass for an export
		}
		return err
	}
	fmt.Fprintf(e.stderr, "exported %d features\n", n)
	return nil
}
