//go:build !amd64

package query

import "unsafe"

// prefetch does nothing where no assembly version is written; the group
// tables are then only slower.
func prefetch(p unsafe.Pointer) {}
