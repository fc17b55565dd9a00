//go:build !amd64

package record

// Elsewhere than on x86-64 the parser has no vector kernels: a line's end
// is found before its spaces (not at once, as lineEndAndSpaces does), and
// numbers are converted one by one (not four at once, as parseFourNumbers
// does).
const (
	hasAVX512Line    = false
	hasAVX512Numbers = false
)

// findSingleSpaces records in sp the positions of the thirteen spaces of a
// line whose fourteen fields are separated by single spaces, and reports
// whether the line is one.
func findSingleSpaces(line []byte, sp *[NumFields - 1]int32) bool {
	return findSingleSpacesPortable(line, sp)
}

func lineEndAndSpaces(p []byte, sp *[NumFields - 1]int32) (n int, ok bool) {
	return lineEndAndSpacesPortable(p, sp)
}

func parseFourNumbers(line []byte, b *[5]int32, v *[4]uint64) bool {
	return parseFourNumbersPortable(line, b, v)
}
