package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds sitmap once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sitmap")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `sitmap serve` and waits until it answers /healthz.
func startServe(t *testing.T, bin, db, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr, "--token", "secret")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server did not come up; log:\n%s", logs.String())
	return nil
}

const testFeature = `{"type":"Feature","id":"durable-1","geometry":{"type":"Point","coordinates":[27.5,53.9]},
"properties":{"name":"Durability probe","country":"BY","status":"active","confidence":"reported",
"sources":[{"title":"test"}]}}`

func TestWriteSurvivesKill9(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "sitmap.db")
	addr := freeAddr(t)
	cmd := startServe(t, bin, db, addr)

	req, _ := http.NewRequest("POST", "http://"+addr+"/collections/airfields/items", strings.NewReader(testFeature))
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST = %d %s", resp.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	startServe(t, bin, db, addr)
	resp, err = http.Get("http://" + addr + "/collections/airfields/items/durable-1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Durability probe") {
		t.Fatalf("after kill -9: GET = %d %s", resp.StatusCode, body)
	}
}

func TestServeStopsCleanlyOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := startServe(t, bin, filepath.Join(t.TempDir(), "s.db"), addr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of SIGTERM")
	}
}

// runCLI runs the program in-process and returns its exit status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	return code, stdout.String(), stderr.String()
}

func TestImportExportCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	good := filepath.Join(dir, "good.geojson")
	os.WriteFile(good, []byte(testFeature), 0o644)

	code, out, errOut := runCLI(t, "import", "--db", db, "--collection", "my-layer", good)
	if code != 0 || !strings.Contains(out, "my-layer\t1") {
		t.Fatalf("import = %d, stdout %q, stderr %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.geojson")
	os.WriteFile(bad, []byte(strings.Replace(testFeature, `"BY"`, `"Belarus"`, 1)), 0o644)
	code, _, errOut = runCLI(t, "import", "--db", db, "--collection", "my-layer", bad)
	if code == 0 || !strings.Contains(errOut, "bad.geojson") || !strings.Contains(errOut, "properties.country") {
		t.Fatalf("bad import = %d, stderr %q; want non-zero naming the file and field", code, errOut)
	}
	code, out, errOut = runCLI(t, "export", "--db", db, "--bbox", "27,53,28,54")
	if code != 0 || !strings.Contains(out, `"durable-1"`) {
		t.Fatalf("export = %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "export", "--db", db, "--bbox", "27,53,28")
	if code == 0 || !strings.Contains(errOut, "bbox") {
		t.Fatalf("export with a bad bbox = %d, stderr %q", code, errOut)
	}
	code, out, _ = runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "sitmap ") {
		t.Fatalf("version = %d %q", code, out)
	}
	if code, _, _ := runCLI(t, "frobnicate"); code != 2 {
		t.Fatalf("unknown command exit = %d, want 2", code)
	}
}

// scanLines is used by the progress test to count reports.
func scanLines(s string) int {
	n := 0
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		n++
	}
	return n
}

func TestImportReportsProgressOnLargeFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.geojson")
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := 0; b.Len() < 11<<20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"f-%d","geometry":{"type":"Point","coordinates":[24.5,52.5]},"properties":{"name":"N %d","country":"PL","status":"x","confidence":"reported","sources":[{"title":"t"}],"pad":"%s"}}`, i, i, strings.Repeat("x", 200))
	}
	b.WriteString("]}")
	os.WriteFile(big, []byte(b.String()), 0o644)
	code, _, errOut := runCLI(t, "import", "--db", filepath.Join(dir, "b.db"), "--collection", "big", big)
	if code != 0 {
		t.Fatalf("import = %d: %s", code, errOut)
	}
	if n := scanLines(errOut); n < 3 || !strings.Contains(errOut, "100%") {
		t.Errorf("progress on stderr = %q, want reports up to 100%%", errOut)
	}
}

// TestImportOneBadAmongTenThousand: the CLI names the feature and field,
// exits non-zero, and the store holds exactly what it held before.
func TestImportOneBadAmongTenThousand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	first := filepath.Join(dir, "first.geojson")
	os.WriteFile(first, []byte(testFeature), 0o644)
	if code, _, errOut := runCLI(t, "import", "--db", db, "--collection", "pts", first); code != 0 {
		t.Fatalf("first import: %s", errOut)
	}
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 10001 {
		if i > 0 {
			b.WriteString(",\n")
		}
		country := "PL"
		if i == 6543 {
			country = "XX"
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":"p-%d","geometry":{"type":"Point","coordinates":[23.%04d,52.1]},`+
			`"properties":{"name":"P%d","country":%q,"status":"open","confidence":"reported","sources":[{"title":"t"}]}}`,
			i, i, i, country)
	}
	b.WriteString("]}")
	big := filepath.Join(dir, "big.geojson")
	os.WriteFile(big, []byte(b.String()), 0o644)

	code, _, errOut := runCLI(t, "import", "--db", db, "--collection", "pts", big)
	if code == 0 {
		t.Fatal("import of a file with a bad feature exited 0")
	}
	for _, want := range []string{"big.geojson", "#6543", "p-6543", "properties.country"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error %q does not name %s", errOut, want)
		}
	}
	_, out, _ := runCLI(t, "export", "--db", db)
	if n := strings.Count(out, `"type":"Feature"`); n != 1 {
		t.Errorf("store holds %d features after the failed import, want the 1 it had", n)
	}
}
