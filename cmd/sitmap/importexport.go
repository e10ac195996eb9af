package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/sitmap/sitmap/assets"
	"github.com/sitmap/sitmap/geo"
	"github.com/sitmap/sitmap/internal/dataset"
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("no input files: sitmap import [flags] FILE.geojson ...")
	}
	var inputs []dataset.Input
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		inputs = append(inputs, dataset.Input{Name: name, R: withProgress(f, name, e.stderr)})
	}
	if *apiURL != "" {
		c, err := newAPIClient(*apiURL, *token)
		if err != nil {
			return err
		}
		return importURL(ctx, e, c, inputs, *collection)
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
	counts, err := dataset.Import(ctx, st, inputs, dataset.Options{Collection: *collection, Collections: defs})
	if err != nil {
		return err
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

func exportCmd(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sf storeFlags
	sf.register(fs, e)
	collection := fs.String("collection", "", "export only this collection")
	bboxFlag := fs.String("bbox", "", "only features intersecting w,s,e,n")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bbox *geo.BBox
	if *bboxFlag != "" {
		b, err := geo.ParseBBox(*bboxFlag)
		if err != nil {
			return fmt.Errorf("--bbox: %w", err)
		}
		bbox = &b
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := dataset.Export(ctx, st, e.stdout, *collection, bbox)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "exported %d features\n", n)
	return nil
}
