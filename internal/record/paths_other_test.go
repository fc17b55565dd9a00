//go:build !amd64

package record

import "testing"

// parserPath is one of the ways the record parser can run on this
// processor; elsewhere than on x86-64 there is one, the portable Go.
type parserPath struct{ name string }

func parserPaths() []parserPath { return []parserPath{{name: "portable"}} }

func (parserPath) use(testing.TB) {}
