package record

import "testing"

// parserPath is one of the ways the record parser can run on this
// processor: which vector kernels it may use.
type parserPath struct {
	name string
	// What hasAVX2, hasAVX512Line and hasAVX512Numbers are set to on
	// this path.
	avx2, avx512Line, avx512Numbers bool
}

// parserPaths lists the paths this processor can run, from the portable Go
// up to the fastest.
func parserPaths() []parserPath {
	paths := []parserPath{{name: "portable"}}
	if hasAVX2 {
		paths = append(paths, parserPath{name: "avx2", avx2: true})
	}
	if hasAVX512Line {
		paths = append(paths, parserPath{name: "avx512", avx2: true, avx512Line: true, avx512Numbers: hasAVX512Numbers})
	}
	return paths
}

// use switches the parser to path p until the test or benchmark ends.
// Tests that call it must not run in parallel.
func (p parserPath) use(tb testing.TB) {
	tb.Helper()
	avx2, avx512Line, avx512Numbers := hasAVX2, hasAVX512Line, hasAVX512Numbers
	tb.Cleanup(func() { hasAVX2, hasAVX512Line, hasAVX512Numbers = avx2, avx512Line, avx512Numbers })
	hasAVX2, hasAVX512Line, hasAVX512Numbers = p.avx2, p.avx512Line, p.avx512Numbers
}
