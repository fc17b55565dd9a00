package record

import "testing"

// parserPath is one of the ways the record parser can run on this
// processor: which vector kernels it may use.
type parserPath struct {
	name string
	// vector, line and number are what hasVector, hasLineVector and
	// hasNumberVector are set to on this path.
	vector, line, number bool
}

// parserPaths lists the paths this processor can run, from the portable Go
// up to the fastest.
func parserPaths() []parserPath {
	paths := []parserPath{{name: "portable"}}
	if hasVector {
		paths = append(paths, parserPath{name: "avx2", vector: true})
	}
	if hasLineVector {
		paths = append(paths, parserPath{name: "avx512", vector: true, line: true, number: hasNumberVector})
	}
	return paths
}

// use switches the parser to path p until the test or benchmark ends.
// Tests that call it must not run in parallel.
func (p parserPath) use(tb testing.TB) {
	tb.Helper()
	vector, line, number := hasVector, hasLineVector, hasNumberVector
	tb.Cleanup(func() { hasVector, hasLineVector, hasNumberVector = vector, line, number })
	hasVector, hasLineVector, hasNumberVector = p.vector, p.line, p.number
}
