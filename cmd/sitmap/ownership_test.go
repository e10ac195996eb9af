package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sitmap/sitmap/internal/workload"
)

// idless is three valid airfields without ids.
const idless = `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[27.1,53.1]},"properties":{"name":"A","country":"BY","status":"active","confidence":"reported","sources":[{"title":"t"}]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[27.2,53.2]},"properties":{"name":"B","country":"BY","status":"active","confidence":"reported","sources":[{"title":"t"}]}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[27.3,53.3]},"properties":{"name":"C","country":"BY","status":"active","confidence":"reported","sources":[{"title":"t"}]}}]}`

// servedIDs lists the ids of a collection's features as the server serves them.
func servedIDs(t *testing.T, addr, cid string) []string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/collections/" + cid + "/items?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fc struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(fc.Features))
	for i, f := range fc.Features {
		ids[i] = f.ID
	}
	return ids
}

func checkDistinct(t *testing.T, what string, ids []string, n int) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] {
			t.Fatalf("%s: ids %q: want %d distinct non-empty ids", what, ids, n)
		}
		seen[id] = true
	}
	if len(ids) != n {
		t.Fatalf("%s: %d features %q, want %d", what, len(ids), ids, n)
	}
}

// Finding 1 of the feature-model issue: an import of features without ids
// kept one of three, served with "id": "".
func TestImportAssignsIDsThatSurviveRestart(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	db, file := filepath.Join(dir, "d.db"), filepath.Join(dir, "three.geojson")
	os.WriteFile(file, []byte(idless), 0o644)
	if code, out, errOut := runCLI(t, "import", "--db", db, "--collection", "airfields", file); code != 0 || !strings.Contains(out, "airfields\t3") {
		t.Fatalf("import = %d %q %q", code, out, errOut)
	}
	addr := freeAddr(t)
	cmd := startServe(t, bin, db, addr)
	first := servedIDs(t, addr, "airfields")
	cmd.Process.Kill()
	cmd.Wait()
	startServe(t, bin, db, addr)
	again := servedIDs(t, addr, "airfields")
	// The seed does not load into a store that is not empty: these are
	// the three imported features only.
	checkDistinct(t, "served", first, 3)
	checkDistinct(t, "after a restart", again, 3)
}

// Finding 2: a second process on a served file corrupted it. Now every
// command that opens the file fails at once, names it, and changes nothing.
func TestStoreFileHasOneOwner(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	db, file := filepath.Join(dir, "rc.db"), filepath.Join(dir, "one.geojson")
	os.WriteFile(file, []byte(testFeature), 0o644)
	addr := freeAddr(t)
	cmd := startServe(t, bin, db, addr)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "--db", db, "--collection", "airfields", file},
		{"export", "--db", db},
		{"migrate", "--from", db, "--to", "postgres://127.0.0.1:1/none"},
		{"serve", "--db", db, "--addr", freeAddr(t)},
	} {
		start := time.Now()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err == nil {
			t.Errorf("%s on a file in use exited 0: %s", args[0], out)
		}
		msg := string(out)
		for _, want := range []string{db, "in use", fmt.Sprintf("pid %d", cmd.Process.Pid)} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q does not say %q", args[0], msg, want)
			}
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %v to refuse; it must fail at once", args[0], d)
		}
	}
	after, _ := os.ReadFile(db)
	if string(after) != string(before) {
		t.Fatalf("the refused commands changed the file")
	}
	// The server still works and its file still opens after it stops.
	post(t, addr, "/collections/airfields/items", testFeature, http.StatusCreated)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if code, out, errOut := runCLI(t, "export", "--db", db); code != 0 || !strings.Contains(out, "durable-1") {
		t.Fatalf("export after the server stopped = %d %q", code, errOut)
	}
}

func post(t *testing.T, addr, path, body string, want int) []byte {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Content-Type", "application/geo+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s = %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return b
}

// import --url loads into a running server, all or nothing.
func TestImportThroughTheAPI(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	db, file := filepath.Join(dir, "s.db"), filepath.Join(dir, "three.geojson")
	os.WriteFile(file, []byte(idless), 0o644)
	addr := freeAddr(t)
	startServe(t, bin, db, addr)
	before := len(servedIDs(t, addr, "airfields"))

	out, err := exec.Command(bin, "import", "--url", "http://"+addr, "--token", "secret", "--collection", "airfields", file).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "airfields\t3") {
		t.Fatalf("import --url: %v %s", err, out)
	}
	ids := servedIDs(t, addr, "airfields")
	checkDistinct(t, "after import --url", ids, before+3)

	// A feature the collection's vocabulary refuses fails locally, before
	// anything is sent; a wrong token is refused by the server.
	bad := filepath.Join(dir, "bad.geojson")
	os.WriteFile(bad, []byte(strings.Replace(idless, `"status":"active"`, `"status":"closed"`, 1)), 0o644)
	out, err = exec.Command(bin, "import", "--url", "http://"+addr, "--token", "secret", "--collection", "airfields", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "properties.status") {
		t.Errorf("import --url of a bad status: %v %s", err, out)
	}
	out, err = exec.Command(bin, "import", "--url", "http://"+addr, "--token", "wrong", "--collection", "airfields", file).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "401") {
		t.Errorf("import --url with a wrong token: %v %s", err, out)
	}
	if n := len(servedIDs(t, addr, "airfields")); n != before+3 {
		t.Errorf("%d airfields after the refused imports, want %d", n, before+3)
	}
}

// Finding 3: an import killed mid-way left an empty new collection. Now the
// collection is made in the features' transaction: after kill -9 the store
// has either all of the import or none of it.
func TestKilledImportLeavesAllOrNothing(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "big.geojson")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	fs := workload.Generate(0.25)
	if err := workload.WriteGeoJSON(f, fs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// An import run to the end says how long one takes; the kills land
	// across it, the last ones in or near the final write.
	start := time.Now()
	if out, err := exec.Command(bin, "import", "--db", filepath.Join(dir, "full.db"), file).CombinedOutput(); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	full := time.Since(start)
	for _, frac := range []float64{0.3, 0.7, 0.85, 0.93, 0.97, 0.99} {
		after := time.Duration(frac * float64(full))
		db := filepath.Join(dir, fmt.Sprintf("k%d.db", after.Milliseconds()))
		cmd := exec.Command(bin, "import", "--db", db, file)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		cmd.Process.Kill()
		cmd.Wait()
		code, out, errOut := runCLI(t, "export", "--db", db)
		if code != 0 {
			t.Fatalf("export after a killed import: %s", errOut)
		}
		n := strings.Count(out, `"type":"Feature"`)
		t.Logf("killed after %v: %d of %d features stored", after, n, len(fs))
		if n != 0 && n != len(fs) {
			t.Errorf("killed after %v: %d of %d features", after, n, len(fs))
		}
		code, out, _ = runCLI(t, "export", "--db", db, "--collection", workload.PointsID)
		if n == 0 && code == 0 {
			t.Errorf("killed after %v: no features, but collection %s exists: %.200s", after, workload.PointsID, out)
		}
	}
}
