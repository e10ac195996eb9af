package bunt

// FailChunks makes the store's large writes call fail between their
// chunks, and fail with its error.
func FailChunks(s *Store, fail func() error) { s.failChunk = fail }

// CountKeys counts a file's keys matching pattern.
var CountKeys = countKeys
