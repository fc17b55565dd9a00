package record

import "golang.org/x/sys/cpu"

//go:noescape
func singleSpacesAVX2(line []byte, sp *[NumFields - 1]int32) bool

//go:noescape
func firstLineSpacesAVX512(p []byte, sp *[NumFields - 1]int32) (n int, ok bool)

//go:noescape
func fourNumbersAVX512(line []byte, b *[5]int32, v *[4]uint64) bool

var (
	hasVector = cpu.X86.HasAVX2 && cpu.X86.HasBMI1 && cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT
	// hasLineVector says firstLineSpaces can be used: masked byte loads
	// let it read up to the end of a buffer and no further.
	hasLineVector = hasVector && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI && cpu.X86.HasAVX512VBMI2
	// hasNumberVector says fourNumbers can be used.
	hasNumberVector = hasLineVector && cpu.X86.HasAVX512VBMI
)

// singleSpaces records in sp the positions of the thirteen spaces of a line
// whose fourteen fields are separated by single spaces, and reports whether
// the line is one.
func singleSpaces(line []byte, sp *[NumFields - 1]int32) bool {
	if hasVector && len(line) >= 32 && len(line) <= maxSingleLine {
		return singleSpacesAVX2(line, sp)
	}
	return singleSpacesGeneric(line, sp)
}

// firstLineSpaces is firstLineSpacesGeneric in one pass over the line,
// where hasLineVector says the processor can.
func firstLineSpaces(p []byte, sp *[NumFields - 1]int32) (n int, ok bool) {
	return firstLineSpacesAVX512(p, sp)
}

// fourNumbers is fourNumbersGeneric in one pass, where hasNumberVector
// says the processor can.
func fourNumbers(line []byte, b *[5]int32, v *[4]uint64) bool {
	return fourNumbersAVX512(line, b, v)
}
