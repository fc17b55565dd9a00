//go:build !amd64

package record

// hasLineVector says firstLineSpaces is faster than finding the line's end
// first; here it is not.
const hasLineVector = false

// hasNumberVector says fourNumbers is faster than converting the numbers
// one by one; here it is not.
const hasNumberVector = false

// singleSpaces records in sp the positions of the thirteen spaces of a line
// whose fourteen fields are separated by single spaces, and reports whether
// the line is one.
func singleSpaces(line []byte, sp *[NumFields - 1]int32) bool {
	return singleSpacesGeneric(line, sp)
}

func firstLineSpaces(p []byte, sp *[NumFields - 1]int32) (n int, ok bool) {
	return firstLineSpacesGeneric(p, sp)
}

func fourNumbers(line []byte, b *[5]int32, v *[4]uint64) bool {
	return fourNumbersGeneric(line, b, v)
}
