package record

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"net/netip"
	"unsafe"
)

// maxSingleSpacedLine bounds the lines parseSingleSpaced takes: their space
// bitmap fits in four words. Longer lines take the general path.
const maxSingleSpacedLine = 256

// parseSingleSpaced is Parse's fast path for lines as the service writes
// them: fourteen fields separated by single spaces. It finds all the spaces
// of the line at once (with vector instructions where the processor has
// them), checks their number and spacing, and converts the fields in need
// from their spans: numbers eight digits at a time, or packets to end all
// at once where the processor can. It reports false for any other line, and
// for a line with a field it cannot convert; Parse then takes the general
// path, which says what is wrong.
//
// The fields are taken one by one in record order rather than in a loop
// over need, so that each field's code is specialised to it.
func parseSingleSpaced(line []byte, need FieldSet, r *Record, addrs *addrCache) bool {
	var p singleSpacedLine
	if !findSingleSpaces(line, p.spaces()) {
		return false
	}
	return p.parse(line, need, r, addrs)
}

// spaces returns where the positions of the line's thirteen spaces go.
func (p *singleSpacedLine) spaces() *[NumFields - 1]int32 {
	return (*[NumFields - 1]int32)(p.bounds[1:NumFields])
}

// parse converts the fields in need of a line whose spaces are in place,
// as parseSingleSpaced.
func (p *singleSpacedLine) parse(line []byte, need FieldSet, r *Record, addrs *addrCache) bool {
	p.line, p.addrs, p.present = line, addrs, 0
	p.bounds[0], p.bounds[NumFields] = -1, int32(len(line))
	if need&(1<<Version|1<<AccountID|1<<InterfaceID) != 0 {
		for f := Version; f <= InterfaceID; f++ {
			if need.Has(f) && !p.textField(r, f) {
				return false
			}
		}
	}
	if need.Has(SrcAddr) && !p.addr(&r.SrcAddr, SrcAddr) {
		return false
	}
	if need.Has(DstAddr) && !p.addr(&r.DstAddr, DstAddr) {
		return false
	}
	if need.Has(SrcPort) {
		v, ok := p.number(SrcPort, 0xffff)
		if !ok {
			return false
		}
		r.SrcPort = uint16(v)
	}
	if need.Has(DstPort) {
		v, ok := p.number(DstPort, 0xffff)
		if !ok {
			return false
		}
		r.DstPort = uint16(v)
	}
	if need.Has(Protocol) {
		v, ok := p.number(Protocol, 0xff)
		if !ok {
			return false
		}
		r.Protocol = uint8(v)
	}
	if need&numberFields != 0 && !(hasAVX512Numbers && p.numbersAtOnce(r, need)) && !p.eachNumber(r, need) {
		return false
	}
	if need&(1<<ActionField|1<<LogStatus) != 0 {
		for f := ActionField; f <= LogStatus; f++ {
			if need.Has(f) && !p.textField(r, f) {
				return false
			}
		}
	}
	r.Line = line
	r.Present = p.present
	return true
}

// numberFields are the fields numbersAtOnce converts.
const numberFields FieldSet = 1<<Packets | 1<<Bytes | 1<<Start | 1<<End

// numbersGap is how far End lies after Packets in a Record: 24 bytes, as
// the four words of an array, or the declaration after it does not compile
// (one of its lengths overflows).
const numbersGap = unsafe.Offsetof(Record{}.End) - unsafe.Offsetof(Record{}.Packets)

var _ [numbersGap - 24][24 - numbersGap]struct{}

// numbersAtOnce converts the fields from Packets to End in need, all four
// in one pass, when all four are plain numbers of up to sixteen digits. It
// reports false, having changed nothing, for any other line.
func (p *singleSpacedLine) numbersAtOnce(r *Record, need FieldSet) bool {
	b := (*[5]int32)(p.bounds[Packets : End+2])
	if need&numberFields == numberFields {
		// All four, straight into the record, where they lie side by side
		// as in an array (see numbersGap).
		if !parseFourNumbers(p.line, b, (*[4]uint64)(unsafe.Pointer(&r.Packets))) {
			return false
		}
		p.present |= numberFields
		return true
	}
	var v [4]uint64
	if !parseFourNumbers(p.line, b, &v) {
		return false
	}
	if need.Has(Packets) {
		r.Packets = v[0]
	}
	if need.Has(Bytes) {
		r.Bytes = v[1]
	}
	if need.Has(Start) {
		r.Start = int64(v[2])
	}
	if need.Has(End) {
		r.End = int64(v[3])
	}
	p.present |= need & numberFields
	return true
}

// eachNumber converts the fields from Packets to End in need one by one.
func (p *singleSpacedLine) eachNumber(r *Record, need FieldSet) bool {
	var ok bool
	if need.Has(Packets) {
		if r.Packets, ok = p.number(Packets, 1<<64-1); !ok {
			return false
		}
	}
	if need.Has(Bytes) {
		if r.Bytes, ok = p.number(Bytes, 1<<64-1); !ok {
			return false
		}
	}
	if need.Has(Start) {
		v, ok := p.number(Start, 1<<63-1)
		if !ok {
			return false
		}
		r.Start = int64(v)
	}
	if need.Has(End) {
		v, ok := p.number(End, 1<<63-1)
		if !ok {
			return false
		}
		r.End = int64(v)
	}
	return true
}

// singleSpacedLine is a line parseSingleSpaced has found the fields of:
// field f lies between the spaces at bounds[f] and bounds[f+1]. present
// collects the fields converted that were not "-".
type singleSpacedLine struct {
	line    []byte
	bounds  [NumFields + 1]int32
	present FieldSet
	addrs   *addrCache // may be nil
}

// span returns the start and end of field f.
func (p *singleSpacedLine) span(f Field) (int, int) {
	return int(p.bounds[f] + 1), int(p.bounds[f+1])
}

// absent reports whether the field at start is "-".
func (p *singleSpacedLine) absent(start, end int) bool {
	return end-start == 1 && p.line[start] == '-'
}

// number converts numeric field f, at most max; "-" is 0 and absent. Its
// digits end at the field's end, and the eight or sixteen bytes before
// that lie inside the line, as numbers come after the five fields of ids
// and addresses.
func (p *singleSpacedLine) number(f Field, max uint64) (uint64, bool) {
	start, end := p.span(f)
	if p.absent(start, end) {
		return 0, true
	}
	var v uint64
	var ok bool
	switch n := end - start; {
	case n <= 8 && end >= 8:
		v, ok = eightDigits(binary.LittleEndian.Uint64(p.line[end-8:]), n)
	case n == 10 && end >= 8:
		// Unix seconds: two digits, then eight.
		d0, d1 := uint64(p.line[start]-'0'), uint64(p.line[start+1]-'0')
		lo, okLo := eightDigits(binary.LittleEndian.Uint64(p.line[end-8:]), 8)
		v, ok = (d0*10+d1)*1e8+lo, okLo && d0 <= 9 && d1 <= 9
	case n <= 16 && end >= 16:
		hi, okHi := eightDigits(binary.LittleEndian.Uint64(p.line[end-16:]), n-8)
		lo, okLo := eightDigits(binary.LittleEndian.Uint64(p.line[end-8:]), 8)
		v, ok = hi*1e8+lo, okHi && okLo
	default:
		v, ok = parseUint(p.line[start:end], 1<<64-1)
	}
	p.present |= 1 << f
	return v, ok && v <= max
}

// addr converts address field f into a.
func (p *singleSpacedLine) addr(a *netip.Addr, f Field) bool {
	start, end := p.span(f)
	text := p.line[start:end]
	if p.absent(start, end) {
		*a = netip.Addr{}
		return true
	}
	var e *addrEntry
	if n := len(text); p.addrs != nil && n >= 8 && n <= maxAddrText {
		// The first and the last eight bytes of the text: all of it for
		// an IPv4 address, so most entries compare as two words.
		first, last := binary.LittleEndian.Uint64(text), binary.LittleEndian.Uint64(text[n-8:])
		e = &p.addrs.entries[((first^last*31)*0x9e3779b97f4a7c15)>>(64-addrCacheBits)]
		if int(e.n) == n && binary.LittleEndian.Uint64(e.text[:8]) == first && binary.LittleEndian.Uint64(e.text[n-8:n]) == last &&
			(n <= 16 || string(e.text[8:n-8]) == string(text[8:n-8])) {
			*a = e.addr
			p.present |= 1 << f
			return true
		}
	}
	addr, ok := parseAddr(text)
	if !ok {
		return false
	}
	if e != nil {
		e.n = uint8(copy(e.text[:], text))
		e.addr = addr
	}
	*a = addr
	p.present |= 1 << f
	return true
}

// addrCache remembers the addresses last parsed from their text, in a
// direct-mapped table. In flow logs a few addresses fill most lines: on the
// simulated corpus three source addresses in four are found here rather
// than parsed, and even the fast path for IPv6 (parseIPv6) takes some
// 70 ns an address.
// The zero value is an empty cache; it is not safe for concurrent use.
type addrCache struct {
	entries [1 << addrCacheBits]addrEntry
}

const (
	addrCacheBits = 10
	maxAddrText   = 39 // the longest IPv6 address text without an embedded IPv4 part
)

type addrEntry struct {
	n    uint8
	text [maxAddrText]byte
	addr netip.Addr
}

// textField converts an id, the action or the log status.
func (p *singleSpacedLine) textField(r *Record, f Field) bool {
	start, end := p.span(f)
	if p.absent(start, end) {
		clearField(r, f)
		return true
	}
	p.present |= 1 << f
	return parseField(r, f, p.line[start:end])
}

// lineEndAndSpacesPortable finds the first line of p when its newline is
// among the first maxSingleSpacedLine bytes: n is the line's length, else
// -1. ok reports whether that line has fourteen fields separated by single
// spaces, with the positions of the spaces in sp, as findSingleSpaces does;
// a line ending in a carriage return is not one.
func lineEndAndSpacesPortable(p []byte, sp *[NumFields - 1]int32) (n int, ok bool) {
	n = bytes.IndexByte(p[:min(len(p), maxSingleSpacedLine)], '\n')
	if n < 0 {
		return -1, false
	}
	if n > 0 && p[n-1] == '\r' {
		return n, false
	}
	return n, findSingleSpacesPortable(p[:n], sp)
}

// parseFourNumbersPortable converts the four fields of line between the
// spaces at b[0] to b[4] to v when each is 1 to 16 decimal digits, the
// first ends at least 16 bytes into the line and the last within 48 bytes
// of that end; it reports whether they were. 0 <= b[0] < ... < b[4] <=
// len(line).
func parseFourNumbersPortable(line []byte, b *[5]int32, v *[4]uint64) bool {
	if b[1] < 16 || b[4]-b[1] > 48 {
		return false
	}
	var got [4]uint64 // v is left alone unless all four convert
	for i := range 4 {
		field := line[b[i]+1 : b[i+1]]
		if len(field) < 1 || len(field) > 16 {
			return false
		}
		var x uint64
		for _, c := range field {
			if c < '0' || c > '9' {
				return false
			}
			x = x*10 + uint64(c-'0')
		}
		got[i] = x
	}
	*v = got
	return true
}

// findSingleSpacesPortable is findSingleSpaces in portable Go.
func findSingleSpacesPortable(line []byte, sp *[NumFields - 1]int32) bool {
	n := len(line)
	if n < 2*NumFields-1 || n > maxSingleSpacedLine {
		return false
	}
	var bm [maxSingleSpacedLine / 64]uint64
	spaceBitmap(line, &bm)
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

// spaceBitmap sets bm to the bitmap of the spaces of line, byte i
// to bit i, eight bytes at a time.
func spaceBitmap(line []byte, bm *[4]uint64) {
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
