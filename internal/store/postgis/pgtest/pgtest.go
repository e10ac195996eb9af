package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the variable that points the tests at an existing server.
const EnvDSN = "SITMAP_TEST_PG"

// InstallHint is how a test fails when the binaries are missing.
const InstallHint = "PostgreSQL with PostGIS is not installed: apt-get install postgresql postgis (make test does this)"

// binDirs are searched, newest first, for initdb and pg_ctl.
var binDirs = []string{
	"/usr/lib/postgresql/17/bin",
	"/usr/lib/postgresql/16/bin",
	"/usr/lib/postgresql/15/bin",
}

var (
	mu       sync.Mutex
	inMain   bool
	cl       *cluster
	startErr error
	dbCount  int

	standby    *cluster // a streaming hot standby of cl, once Standby asks
	standbyErr error
)

// Main runs the tests and then stops the cluster, if one was started.
// Call it from TestMain.
func Main(m *testing.M) {
	mu.Lock()
	inMain = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	if cl == nil && tmplName != "" {
		// An external server: drop the template (the cluster's removal
		// takes care of it otherwise).
		_ = exec1(os.Getenv(EnvDSN), "DROP DATABASE IF EXISTS "+tmplName+" WITH (FORCE)")
	}
	if standby != nil {
		standby.destroy()
		standby = nil
	}
	if cl != nil {
		cl.destroy()
		cl = nil
	}
	mu.Unlock()
	os.Exit(code)
}

// DSN creates a new empty database with PostGIS and returns its URL; the
// database is dropped when the test ends. The test fails when PostgreSQL or
// PostGIS is missing.
func DSN(t testing.TB) string {
	t.Helper()
	base, err := server()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := template(base)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	dbCount++
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbCount)
	mu.Unlock()
	if err := exec1(base, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// Best effort: a test that stopped the server leaves it to the
		// cluster's removal.
		_ = exec1(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

var (
	tmplName string
	tmplErr  error
)

// template makes, once per process, a database with PostGIS installed that
// DSN copies: much faster than CREATE EXTENSION in every database.
func template(base string) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if tmplName != "" || tmplErr != nil {
		return tmplName, tmplErr
	}
	name := fmt.Sprintf("t_%d_template", os.Getpid())
	tmplErr = func() error {
		if err := exec1(base, "CREATE DATABASE "+name); err != nil {
			return fmt.Errorf("pgtest: create database: %w", err)
		}
		dsn, err := withDatabase(base, name)
		if err != nil {
			return err
		}
		if err := exec1(dsn, "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS btree_gist"); err != nil {
			return fmt.Errorf("pgtest: %s (%v)", InstallHint, err)
		}
		return nil
	}()
	if tmplErr == nil {
		tmplName = name
	}
	return tmplName, tmplErr
}

// exec1 runs one statement on its own connection.
func exec1(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(dsn), err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Stop shuts the test cluster down (fast mode: open connections are cut),
// so tests can watch a store lose its database. It skips the test when the
// tests use an external server (SITMAP_TEST_PG), which they cannot stop.
// Tests that stop the cluster must not run in parallel with others.
func Stop(t testing.TB) {
	t.Helper()
	c := owned(t)
	if err := c.ctl("stop", "-m", "fast", "-w"); err != nil {
		t.Fatalf("pgtest: stop: %v", err)
	}
}

// Start starts the test cluster again after Stop, on the same port.
func Start(t testing.TB) {
	t.Helper()
	c := owned(t)
	if err := c.start(); err != nil {
		t.Fatalf("pgtest: start: %v", err)
	}
}

// Standby starts, once per test binary, a hot standby of the test cluster
// that streams from it (pg_basebackup -R) in a folder inside the cluster's,
// on another free port of 127.0.0.1, and returns a function that turns a
// DSN of the primary (from DSN, before or after this call) into the same
// database's DSN on the standby. A database created on the primary shows
// up on the standby a moment later. Skipped with an external server.
func Standby(t testing.TB) func(dsn string) string {
	t.Helper()
	c := owned(t)
	mu.Lock()
	defer mu.Unlock()
	if standby == nil && standbyErr == nil {
		standby, standbyErr = c.newStandby()
	}
	if standbyErr != nil {
		t.Fatal(standbyErr)
	}
	port := standby.port
	return func(dsn string) string {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsn
		}
		u.Host = "127.0.0.1:" + strconv.Itoa(port)
		return u.String()
	}
}

// newStandby copies the running cluster with pg_basebackup and starts the
// copy as its streaming replica.
func (c *cluster) newStandby() (*cluster, error) {
	sb := &cluster{bin: c.bin, dir: filepath.Join(c.dir, "standby"), uid: c.uid, gid: c.gid}
	if err := os.Mkdir(sb.dir, 0o700); err != nil {
		return nil, fmt.Errorf("pgtest: standby: %w", err)
	}
	if c.uid >= 0 {
		if err := os.Chown(sb.dir, c.uid, c.gid); err != nil {
			return nil, fmt.Errorf("pgtest: standby: %w", err)
		}
	}
	if err := sb.run(filepath.Join(c.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.port),
		"-U", "postgres", "-D", sb.data(), "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		return nil, fmt.Errorf("pgtest: pg_basebackup: %w", err)
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if sb.port, err = freePort(); err == nil {
			if err = sb.start(); err == nil {
				sb.watch()
				return sb, nil
			}
		}
	}
	return nil, fmt.Errorf("pgtest: start standby: %w", err)
}

// CanRestart reports whether Stop and Start work: false when the tests
// run against an external server.
func CanRestart() bool { return os.Getenv(EnvDSN) == "" }

func owned(t testing.TB) *cluster {
	t.Helper()
	if !CanRestart() {
		t.Skipf("pgtest: cannot stop or start the external server given by %s", EnvDSN)
	}
	if _, err := server(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return cl
}

// server returns the URL of the maintenance database, starting the
// cluster on first use.
func server() (string, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return dsn, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if cl != nil {
		return cl.dsn(), nil
	}
	if startErr != nil {
		return "", startErr
	}
	if !inMain {
		return "", errors.New("pgtest: the package needs func TestMain(m *testing.M) { pgtest.Main(m) } so the cluster is stopped at exit")
	}
	cl, startErr = newCluster()
	if startErr != nil {
		return "", startErr
	}
	return cl.dsn(), nil
}

type cluster struct {
	bin     string
	dir     string // the temp dir: data/, the socket, the log
	port    int
	uid     int // the OS user that runs the server; -1 for the current one
	gid     int
	watcher *os.Process
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

func findBin() (string, error) {
	for _, d := range binDirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err != nil {
			continue
		}
		// PostGIS for this server version?
		ver := filepath.Base(filepath.Dir(d))
		matches, _ := filepath.Glob(filepath.Join("/usr/share/postgresql", ver, "extension", "postgis.control"))
		if len(matches) == 0 {
			continue
		}
		return d, nil
	}
	return "", errors.New(InstallHint)
}

func newCluster() (*cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sitmap-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root needs the postgres OS user: %w", err)
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(dir, c.uid, c.gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if err := c.run(filepath.Join(bin, "initdb"), "-D", c.data(), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %w", err)
	}
	for attempt := 0; ; attempt++ {
		c.port, err = freePort()
		if err == nil {
			err = c.start()
		}
		if err == nil {
			break
		}
		if attempt == 4 {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: start: %w", err)
		}
	}
	c.watch()
	return c, nil
}

// start runs pg_ctl start on c.port and waits until the server accepts
// connections.
func (c *cluster) start() error {
	opts := strings.Join([]string{
		"-p", strconv.Itoa(c.port),
		"-k", c.dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=128MB",
		// With synchronous_commit off, the WAL writer's rounds are what a
		// standby waits for: keep them short.
		"-c", "wal_writer_delay=10ms",
	}, " ")
	return c.ctl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "log"), "-o", opts)
}

func (c *cluster) ctl(args ...string) error {
	args = append([]string{"-D", c.data()}, args...)
	return c.run(filepath.Join(c.bin, "pg_ctl"), args...)
}

// run runs a server binary as the cluster's OS user.
func (c *cluster) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	if c.uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(c.uid), Gid: uint32(c.gid)}}
		cmd.Env = append(os.Environ(), "HOME="+c.dir)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		return fmt.Errorf("%s %s: %v\n%s\n%s", filepath.Base(name), strings.Join(args, " "), err, out, tail(log, 2000))
	}
	return nil
}

// watch starts a detached shell that stops the cluster and removes its
// directory if this process dies without reaching the end of Main (a
// panic, a timeout, kill -9).
func (c *cluster) watch() {
	script := `while kill -0 "$1" 2>/dev/null; do sleep 1; done; ` + c.asUser(`"$2"/pg_ctl -D "$3"/data stop -m immediate`) + ` >/dev/null 2>&1; rm -rf "$3"`
	cmd := exec.Command("/bin/sh", "-c", script, "sh", strconv.Itoa(os.Getpid()), c.bin, c.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if cmd.Start() == nil {
		c.watcher = cmd.Process
		go cmd.Wait() //nolint:errcheck // reaped only so it leaves no zombie
	}
}

func (c *cluster) asUser(shell string) string {
	if c.uid < 0 {
		return shell
	}
	return fmt.Sprintf("setpriv --reuid=%d --regid=%d --clear-groups %s", c.uid, c.gid, shell)
}

// destroy stops the cluster and removes its files.
func (c *cluster) destroy() {
	_ = c.ctl("stop", "-m", "immediate", "-w")
	if c.watcher != nil {
		_ = c.watcher.Kill()
	}
	os.RemoveAll(c.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgtest: %s must be a postgres:// URL", EnvDSN)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the server"
	}
	return u.Redacted()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
