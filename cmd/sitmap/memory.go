package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// memoryHeadroom is what the server may allocate beyond the live data and
// a full tile cache before the garbage collector works harder.
const memoryHeadroom = 256 << 20

// limitMemory keeps Go's soft memory limit at the live heap and half
// again (the fragmentation, stacks and metadata a heap of many small
// objects carries) plus the tile cache plus headroom, so a read-heavy
// server's heap does not double between collections (Go's default), and
// follows the data as it grows. A limit below what the process needs to
// hold its data would make the collector run back to back even when the
// server is idle. GOMEMLIMIT, when set, wins.
func limitMemory(ctx context.Context, log *slog.Logger, tileCache int64, goMemLimit string) {
	if goMemLimit != "" {
		return
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() int64 {
		metrics.Read(live)
		heap := int64(live[0].Value.Uint64())
		limit := heap + heap/2 + tileCache + memoryHeadroom
		debug.SetMemoryLimit(limit)
		return limit
	}
	// Opening a store leaves garbage behind (decoded records): give it
	// back before serving.
	debug.FreeOSMemory()
	log.Info("memory", "soft_limit_mb", set()>>20)
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				set()
			}
		}
	}()
}

// Under load the collector lets the heap grow by its live size between
// collections, and Go's scavenger gives the pages freed by a collection
// back to the OS only slowly, so a server that served a burst kept twice
// its data resident long after. Once the server has been quiet for
// quietTicks checks (a check a second: less than idleAllocBytes allocated
// since the last), it collects and returns the free pages at once. That
// costs one collection per burst, and at most one per freeGap, so a
// server that is idle stays idle and one that is busy is not slowed.
const (
	idleCheckEvery = time.Second
	quietTicks     = 2
	idleAllocBytes = 1 << 20
	freeGap        = 10 * time.Second
)

// idleFree decides, from the bytes allocated so far at each check, when
// a server that was busy has gone quiet and should return its free
// memory.
type idleFree struct {
	allocs   uint64    // at the last check
	quiet    int       // checks in a row without work
	busy     bool      // work since the last return
	lastFree time.Time // of the last return
}

// check notes the allocation count at now and reports whether to return
// the free memory now.
func (d *idleFree) check(allocs uint64, now time.Time) bool {
	grew := allocs - d.allocs
	d.allocs = allocs
	if grew >= idleAllocBytes {
		d.busy, d.quiet = true, 0
		return false
	}
	d.quiet++
	if !d.busy || d.quiet < quietTicks || now.Sub(d.lastFree) < freeGap {
		return false
	}
	d.busy, d.lastFree = false, now
	return true
}

// returnWhenIdle runs idleFree's checks until ctx ends.
func returnWhenIdle(ctx context.Context) {
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(allocs)
		return allocs[0].Value.Uint64()
	}
	d := idleFree{allocs: read()}
	tick := time.NewTicker(idleCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if d.check(read(), now) {
				debug.FreeOSMemory()
			}
		}
	}
}
