package par

import (
	"runtime"
	"sync"
)

// Do runs fn(0..n-1) in contiguous chunks, one per core, and returns the
// error of the lowest i that failed: the one a sequential loop would have
// met first.
func Do(n int, fn func(i int) error) error {
	errs := make([]error, n)
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (n+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if errs[i] = fn(i); errs[i] != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
