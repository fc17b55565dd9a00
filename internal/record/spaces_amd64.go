package record

import "golang.org/x/sys/cpu"

//go:noescape
func findSingleSpacesAVX2(line []byte, sp *[NumFields - 1]int32) bool

//go:noescape
func lineEndAndSpacesAVX512(p []byte, sp *[NumFields - 1]int32) (n int, ok bool)

//go:noescape
func parseFourNumbersAVX512(line []byte, b *[5]int32, v *[4]uint64) bool

var (
	// hasAVX2 says findSingleSpacesAVX2 can be used.
	hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasBMI1 && cpu.X86.HasBMI2 && cpu.X86.HasPOPCNT
	// hasAVX512Line says lineEndAndSpaces can be used: masked byte loads
	// let it read up to the end of a buffer and no further.
	hasAVX512Line = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VBMI && cpu.X86.HasAVX512VBMI2
	// hasAVX512Numbers says parseFourNumbers can be used.
	hasAVX512Numbers = hasAVX512Line && cpu.X86.HasAVX512VBMI
)

// findSingleSpaces records in sp the positions of the thirteen spaces of a
// line whose fourteen fields are separated by single spaces, and reports
// whether the line is one.
func findSingleSpaces(line []byte, sp *[NumFields - 1]int32) bool {
	if hasAVX2 && len(line) >= 32 && len(line) <= maxSingleSpacedLine {
		return findSingleSpacesAVX2(line, sp)
	}
	return findSingleSpacesPortable(line, sp)
}

// lineEndAndSpaces is lineEndAndSpacesPortable in one pass over the line,
// where hasAVX512Line says the processor can.
func lineEndAndSpaces(p []byte, sp *[NumFields - 1]int32) (n int, ok bool) {
	return lineEndAndSpacesAVX512(p, sp)
}

// parseFourNumbers is parseFourNumbersPortable in one pass, where
// hasAVX512Numbers says the processor can.
func parseFourNumbers(line []byte, b *[5]int32, v *[4]uint64) bool {
	return parseFourNumbersAVX512(line, b, v)
}
