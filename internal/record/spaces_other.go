//go:build !amd64

package record

// singleSpaces records in sp the positions of the thirteen spaces of a line
// whose fourteen fields are separated by single spaces, and reports whether
// the line is one.
func singleSpaces(line []byte, sp *[NumFields - 1]int32) bool {
	return singleSpacesGeneric(line, sp)
}
