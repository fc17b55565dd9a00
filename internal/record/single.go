package record

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// maxSingleLine bounds the lines parseSingle takes: their space bitmap fits
// in four words. Longer lines take the general path.
const maxSingleLine = 256

// parseSingle is Parse's fast path for lines as the service writes them:
// fourteen fields separated by single spaces. It finds all the spaces of
// the line at once (with vector instructions where the processor has them),
// checks their number and spacing, and converts the fields in need from
// their spans, numbers eight digits at a time. It reports false for any
// other line, and for a line with a field it cannot convert; Parse then
// takes the general path, which says what is wrong.
func parseSingle(line []byte, need FieldSet, r *Record) bool {
	// Field f lies between the spaces at bounds[f] and bounds[f+1].
	var bounds [NumFields + 1]int32
	if !singleSpaces(line, (*[NumFields - 1]int32)(bounds[1:NumFields])) {
		return false
	}
	bounds[0], bounds[NumFields] = -1, int32(len(line))
	present := FieldSet(0)
	for m := need; m != 0; m &= m - 1 {
		f := Field(bits.TrailingZeros16(uint16(m)))
		start, end := int(bounds[f]+1), int(bounds[f+1])
		if line[start] == '-' && end-start == 1 {
			clearField(r, f)
			continue
		}
		if (f == SrcAddr || f == DstAddr) && start+16 <= len(line) {
			a, ok := ipv4Span(line, start, end)
			if !ok {
				// IPv6, or not an address: the general parse decides.
				if a, ok = parseAddr(line[start:end]); !ok {
					return false
				}
			}
			if f == SrcAddr {
				r.SrcAddr = a
			} else {
				r.DstAddr = a
			}
			present |= 1 << f
			continue
		}
		if !f.Numeric() {
			if !parseField(r, f, line[start:end]) {
				return false
			}
			present |= 1 << f
			continue
		}
		// A number: its digits end at end, and the eight or sixteen bytes
		// before end lie inside the line, as numbers come after the five
		// fields of ids and addresses.
		var v uint64
		var ok bool
		switch n := end - start; {
		case n <= 8 && end >= 8:
			v, ok = eightDigits(binary.LittleEndian.Uint64(line[end-8:]), n)
		case n <= 16 && end >= 16:
			hi, okHi := eightDigits(binary.LittleEndian.Uint64(line[end-16:]), n-8)
			lo, okLo := eightDigits(binary.LittleEndian.Uint64(line[end-8:]), 8)
			v, ok = hi*1e8+lo, okHi && okLo
		default:
			v, ok = parseUint(line[start:end], 1<<64-1)
		}
		if !ok || v > maxValue[f] {
			return false
		}
		switch f {
		case SrcPort:
			r.SrcPort = uint16(v)
		case DstPort:
			r.DstPort = uint16(v)
		case Protocol:
			r.Protocol = uint8(v)
		case Packets:
			r.Packets = v
		case Bytes:
			r.Bytes = v
		case Start:
			r.Start = int64(v)
		case End:
			r.End = int64(v)
		}
		present |= 1 << f
	}
	r.Line = line
	r.Present = present
	return true
}

// ipv4Span parses line[start:end] as a dotted quad, finding its dots eight
// bytes at a time; the sixteen bytes from start must lie inside the line.
// It accepts exactly what parseIPv4 accepts.
func ipv4Span(line []byte, start, end int) (netip.Addr, bool) {
	n := end - start
	if n < 7 || n > 15 {
		return netip.Addr{}, false
	}
	lo := binary.LittleEndian.Uint64(line[start:])
	hi := binary.LittleEndian.Uint64(line[start+8:])
	dots := (byteMask(dotMask(lo)) | byteMask(dotMask(hi))<<8) & (1<<n - 1)
	if bits.OnesCount64(dots) != 3 {
		return netip.Addr{}, false
	}
	d1 := start + bits.TrailingZeros64(dots)
	dots &= dots - 1
	d2 := start + bits.TrailingZeros64(dots)
	dots &= dots - 1
	d3 := start + bits.TrailingZeros64(dots)
	a, okA := octet(line[start:d1])
	b, okB := octet(line[d1+1 : d2])
	c, okC := octet(line[d2+1 : d3])
	d, okD := octet(line[d3+1 : end])
	return netip.AddrFrom4([4]byte{a, b, c, d}), okA && okB && okC && okD
}

// dotMask has the high bit set in each byte of w that is a dot.
func dotMask(w uint64) uint64 {
	x := w ^ 0x2e2e2e2e2e2e2e2e
	return ^(((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x | 0x7f7f7f7f7f7f7f7f)
}

// octet parses one to three digits, without a leading zero, up to 255.
func octet(b []byte) (byte, bool) {
	switch len(b) {
	case 1:
		d := b[0] - '0'
		return d, d <= 9
	case 2:
		d0, d1 := b[0]-'0', b[1]-'0'
		return d0*10 + d1, d0-1 <= 8 && d1 <= 9
	case 3:
		d0, d1, d2 := uint(b[0]-'0'), uint(b[1]-'0'), uint(b[2]-'0')
		v := d0*100 + d1*10 + d2
		return byte(v), d0-1 <= 8 && d1 <= 9 && d2 <= 9 && v <= 255
	}
	return 0, false
}

// maxValue is the largest value of each numeric field.
var maxValue = [NumFields]uint64{
	SrcPort: 0xffff, DstPort: 0xffff, Protocol: 0xff,
	Packets: 1<<64 - 1, Bytes: 1<<64 - 1, Start: 1<<63 - 1, End: 1<<63 - 1,
}

// singleSpacesGeneric is singleSpaces in portable Go.
func singleSpacesGeneric(line []byte, sp *[NumFields - 1]int32) bool {
	n := len(line)
	if n < 2*NumFields-1 || n > maxSingleLine {
		return false
	}
	var bm [maxSingleLine / 64]uint64
	spaceBitmapGeneric(line, &bm)
	count := bits.OnesCount64(bm[0]) + bits.OnesCount64(bm[1]) + bits.OnesCount64(bm[2]) + bits.OnesCount64(bm[3])
	// No space first or last, and none next to another.
	edges := bm[0]&1 | bm[(n-1)>>6]>>((n-1)&63)&1
	adjacent := bm[0]&(bm[0]>>1|bm[1]<<63) | bm[1]&(bm[1]>>1|bm[2]<<63) | bm[2]&(bm[2]>>1|bm[3]<<63) | bm[3]&(bm[3]>>1)
	if count != NumFields-1 || edges|adjacent != 0 {
		return false
	}
	k := 0
	for w, b := range bm {
		for ; b != 0; b &= b - 1 {
			sp[k] = int32(w<<6 + bits.TrailingZeros64(b))
			k++
		}
	}
	return true
}

// spaceBitmapGeneric is spaceBitmap eight bytes at a time, for processors
// without the vector instructions of the assembly version.
func spaceBitmapGeneric(line []byte, bm *[4]uint64) {
	n := len(line)
	full := n &^ 63
	for base := 0; base < full; base += 64 {
		bm[base>>6] = spaceBits(line[base : base+64])
	}
	if full < n {
		var pad [64]byte
		copy(pad[:], line[full:])
		bm[full>>6] = spaceBits(pad[:])
	}
}

// spaceBits returns a bitmap of the spaces among the 64 bytes of b, byte i
// to bit i.
func spaceBits(b []byte) uint64 {
	_ = b[63]
	return spaceByte(b[0:]) | spaceByte(b[8:])<<8 | spaceByte(b[16:])<<16 | spaceByte(b[24:])<<24 |
		spaceByte(b[32:])<<32 | spaceByte(b[40:])<<40 | spaceByte(b[48:])<<48 | spaceByte(b[56:])<<56
}

// spaceByte returns the spaces among the eight bytes at the start of b as
// the low eight bits.
func spaceByte(b []byte) uint64 {
	return byteMask(spaceMask(binary.LittleEndian.Uint64(b)))
}

// byteMask gathers the high bits of the eight bytes of m (as spaceMask sets
// them) into the low eight bits, byte i to bit i.
func byteMask(m uint64) uint64 {
	return (m >> 7) * 0x0102040810204080 >> 56
}

// eightDigits parses the last n (1 to 8) bytes of the little-endian word w
// as decimal digits, combining them in pairs, fours and eights with three
// multiplications.
func eightDigits(w uint64, n int) (uint64, bool) {
	// Keep the top n bytes: the digits, the last one in the top byte.
	keep := ^uint64(0) << (8 * (8 - n))
	w = w&keep - 0x3030303030303030&keep
	// Every kept byte must have been '0' to '9': now 0 to 9, with neither
	// the borrow of a byte below '0' nor a value above 9.
	if (w|(w+0x7676767676767676))&0x8080808080808080&keep != 0 {
		return 0, false
	}
	w = (w * (10<<8 + 1)) >> 8 & 0x00ff00ff00ff00ff
	w = (w * (100<<16 + 1)) >> 16 & 0x0000ffff0000ffff
	w = (w * (10000<<32 + 1)) >> 32
	return w, true
}
