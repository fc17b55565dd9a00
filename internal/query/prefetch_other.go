//go:build !amd64

package query

import "unsafe"

// prefetchSpan does nothing where no assembly version is written; the
// group tables are then only slower.
func prefetchSpan(p unsafe.Pointer, n uintptr) {}
