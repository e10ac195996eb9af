package bunt

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ErrInUse is returned by Open when another process (or another Open in
// this one) holds the store file. buntdb has no lock of its own, and two
// writers appending to one file corrupt it.
var ErrInUse = errors.New("in use by another process")

// lockFile takes an exclusive lock on path.lock for as long as the store is
// open; the kernel drops it when the process dies, kill -9 included. flock
// locks belong to the open file, so a second Open in the same process is
// refused too. The holder writes its PID into the file for the message.
func lockFile(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is %w%s: stop it first, or load data into it through its API (sitmap import --url)",
				path, ErrInUse, holder(name))
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// holder names the PID the lock file holds, when it holds one.
func holder(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		return fmt.Sprintf(" (pid %d)", pid)
	}
	return ""
}
