package query

import "unsafe"

// prefetch starts loading the cache line holding p. A prefetch, unlike a
// load, does not hold up the instructions after it while the memory
// arrives.
//
//go:noescape
func prefetch(p unsafe.Pointer)
