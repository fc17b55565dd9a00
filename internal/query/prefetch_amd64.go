package query

import "unsafe"

// prefetchSpan starts loading the n bytes at p (n > 0) into the cache. A
// prefetch, unlike a load, does not hold up the instructions after it while
// the memory arrives.
//
//go:noescape
func prefetchSpan(p unsafe.Pointer, n uintptr)
