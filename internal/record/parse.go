package record

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"unsafe"
)

// SyntaxError describes a line that is not a valid record. The Scanner
// adds the source name and line number.
type SyntaxError struct {
	Field Field // the offending field, unless WrongCount
	Value string

	WrongCount bool // the line did not have the fields its format has
	Fields     int  // how many it had
	Want       int  // how many its header names; 0 for a version-2 record
	// FirstLine says the line is the first of a text without a header
	// line, where a wrong count most likely means another format.
	FirstLine bool
}

func (e *SyntaxError) Error() string {
	if e.WrongCount {
		switch {
		case e.Want > 0:
			return fmt.Sprintf("expected the %d fields the header names, found %d", e.Want, e.Fields)
		case e.FirstLine:
			return fmt.Sprintf("expected %d fields, found %d: a text without a header line naming its fields must hold version-2 records", NumFields, e.Fields)
		}
		return fmt.Sprintf("expected %d fields, found %d", NumFields, e.Fields)
	}
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "…"
	}
	return fmt.Sprintf("invalid %s %q", e.Field, v)
}

// Parse parses a record line (without its line ending) into r. Only the
// fields in need are converted; every line is checked to have exactly
// fourteen fields, whatever is needed of it. Fields are separated by one or
// more spaces.
//
// Parse allocates nothing: r's byte fields point into line.
func Parse(line []byte, need FieldSet, r *Record) error {
	if parseSingleSpaced(line, need, r, nil) {
		return nil
	}
	return parseGeneral(line, need, r)
}

// parseGeneral is Parse for any line: runs of spaces between fields, and
// the error a malformed line gets.
func parseGeneral(line []byte, need FieldSet, r *Record) error {
	var spans [NumFields][2]int32
	n, ok := fieldSpans(line, spans[:])
	if !ok {
		return &SyntaxError{WrongCount: true, Fields: countFields(line)}
	}
	if n != NumFields {
		return &SyntaxError{WrongCount: true, Fields: n}
	}
	r.Line = line
	r.Present = 0
	for m := need & AllFields; m != 0; m &= m - 1 {
		f := Field(bits.TrailingZeros64(uint64(m)))
		b := line[spans[f][0]:spans[f][1]]
		if len(b) == 1 && b[0] == '-' {
			clearField(r, f)
			continue
		}
		if !parseField(r, f, b) {
			return &SyntaxError{Field: f, Value: string(b)}
		}
		r.Present |= 1 << f
	}
	return nil
}

// fieldSpans records the spans of the space-separated fields of line. It
// reports false when there are more than len(spans) fields. Version-2
// lines as the service writes them take parseSingleSpaced instead; this
// serves custom formats, runs of spaces and malformed lines, eight bytes at
// a time.
func fieldSpans(line []byte, spans [][2]int32) (int, bool) {
	n := 0
	start := 0
	i := 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		m := spaceMask(w)
		for m != 0 {
			end := i + bits.TrailingZeros64(m)>>3
			if end > start {
				if n == len(spans) {
					return n, false
				}
				spans[n] = [2]int32{int32(start), int32(end)}
				n++
			}
			start = end + 1
			m &= m - 1
		}
	}
	for ; i <= len(line); i++ {
		if i < len(line) && line[i] != ' ' {
			continue
		}
		if i > start {
			if n == len(spans) {
				return n, false
			}
			spans[n] = [2]int32{int32(start), int32(i)}
			n++
		}
		start = i + 1
	}
	return n, true
}

// spaceMask has the high bit set in each byte of w that is a space: an
// exact zero-byte test on w XOR spaces, with no false positives.
func spaceMask(w uint64) uint64 {
	x := w ^ 0x2020202020202020
	return ^(((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x | 0x7f7f7f7f7f7f7f7f)
}

// countFields counts space-separated fields eight bytes at a time: a field
// starts at each non-space byte that follows a space or the line's start.
func countFields(line []byte) int {
	n := 0
	prevSpace := uint64(0x80) // the line's start counts as a space before byte 0
	i := 0
	for ; i+8 <= len(line); i += 8 {
		sp := spaceMask(binary.LittleEndian.Uint64(line[i:]))
		nonSpace := ^sp & 0x8080808080808080
		n += bits.OnesCount64(nonSpace & (sp<<8 | prevSpace))
		prevSpace = sp >> 56
	}
	prev := prevSpace != 0
	for ; i < len(line); i++ {
		isSpace := line[i] == ' '
		if !isSpace && prev {
			n++
		}
		prev = isSpace
	}
	return n
}

func clearField(r *Record, f Field) {
	switch f {
	case Version:
		r.Version = nil
	case AccountID:
		r.AccountID = nil
	case InterfaceID:
		r.InterfaceID = nil
	case SrcAddr:
		r.SrcAddr = netip.Addr{}
	case DstAddr:
		r.DstAddr = netip.Addr{}
	case SrcPort:
		r.SrcPort = 0
	case DstPort:
		r.DstPort = 0
	case Protocol:
		r.Protocol = 0
	case Packets:
		r.Packets = 0
	case Bytes:
		r.Bytes = 0
	case Start:
		r.Start = 0
	case End:
		r.End = 0
	case ActionField:
		r.Action = ActionNone
	case LogStatus:
		r.Status = StatusNone
	case PktSrcAddr:
		r.PktSrcAddr = netip.Addr{}
	case PktDstAddr:
		r.PktDstAddr = netip.Addr{}
	case TCPFlags:
		r.TCPFlags = 0
	case TrafficPath:
		r.TrafficPath = 0
	default:
		if int(f) < NumKnownFields && f >= NumFields {
			r.extra[f-NumFields] = span{}
		}
	}
}

func parseField(r *Record, f Field, b []byte) bool {
	var ok bool
	switch f {
	case Version:
		r.Version, ok = b, isToken(b)
	case AccountID:
		r.AccountID, ok = b, isToken(b)
	case InterfaceID:
		r.InterfaceID, ok = b, isToken(b)
	case SrcAddr:
		r.SrcAddr, ok = parseAddr(b)
	case DstAddr:
		r.DstAddr, ok = parseAddr(b)
	case SrcPort:
		var v uint64
		v, ok = parseUint(b, 0xffff)
		r.SrcPort = uint16(v)
	case DstPort:
		var v uint64
		v, ok = parseUint(b, 0xffff)
		r.DstPort = uint16(v)
	case Protocol:
		var v uint64
		v, ok = parseUint(b, 0xff)
		r.Protocol = uint8(v)
	case Packets:
		r.Packets, ok = parseUint(b, 1<<64-1)
	case Bytes:
		r.Bytes, ok = parseUint(b, 1<<64-1)
	case Start:
		var v uint64
		v, ok = parseUint(b, 1<<63-1)
		r.Start = int64(v)
	case End:
		var v uint64
		v, ok = parseUint(b, 1<<63-1)
		r.End = int64(v)
	case ActionField:
		r.Action, ok = parseAction(b)
	case LogStatus:
		r.Status, ok = parseStatus(b)
	case PktSrcAddr:
		r.PktSrcAddr, ok = parseAddr(b)
	case PktDstAddr:
		r.PktDstAddr, ok = parseAddr(b)
	case TCPFlags:
		var v uint64
		v, ok = parseUint(b, TCPFlags.Max())
		r.TCPFlags = uint32(v)
	case TrafficPath:
		var v uint64
		v, ok = parseUint(b, TrafficPath.Max())
		r.TrafficPath = uint32(v)
	}
	return ok
}

// isToken accepts printable ASCII without spaces; identifiers in flow logs
// are UUIDs, account numbers or tokens such as eni-1235b8ca123456789.
func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return len(b) > 0
}

// parseUint parses unsigned decimal digits, rejecting values above max.
func parseUint(b []byte, max uint64) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var v uint64
	if len(b) < 20 {
		// Nineteen digits cannot overflow 64 bits: check the range once.
		for _, c := range b {
			d := uint64(c - '0')
			if d > 9 {
				return 0, false
			}
			v = v*10 + d
		}
		return v, v <= max
	}
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, false
		}
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func parseAddr(b []byte) (netip.Addr, bool) {
	if a, ok := parseIPv4(b); ok {
		return a, true
	}
	if a, ok := parseIPv6(b); ok {
		return a, true
	}
	for _, c := range b {
		if c == ':' {
			// netip copies what it keeps (a zone is interned), so handing it a
			// string view of the line is safe and avoids an allocation.
			a, err := netip.ParseAddr(unsafe.String(&b[0], len(b)))
			return a, err == nil && a.Zone() == ""
		}
	}
	return netip.Addr{}, false
}

// parseIPv4 is the fast path for dotted quads, which are most addresses:
// one to three digits an octet, no leading zeros (as netip refuses them).
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	i := 0
	for k := range 4 {
		if k > 0 {
			if i >= len(b) || b[i] != '.' {
				return netip.Addr{}, false
			}
			i++
		}
		if i >= len(b) || b[i]-'0' > 9 {
			return netip.Addr{}, false
		}
		v := uint(b[i] - '0')
		i++
		if i < len(b) && b[i]-'0' <= 9 {
			if v == 0 {
				return netip.Addr{}, false
			}
			v = v*10 + uint(b[i]-'0')
			i++
			if i < len(b) && b[i]-'0' <= 9 {
				v = v*10 + uint(b[i]-'0')
				i++
				if v > 255 {
					return netip.Addr{}, false
				}
			}
		}
		ip[k] = byte(v)
	}
	if i != len(b) {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}

// parseIPv6 is the fast path for IPv6 addresses written as hex groups with
// at most one "::", as the service writes them; netip takes a thousand
// instructions an address. It reports false for any other text, valid
// (an embedded IPv4 part, a zone) or not, which netip then decides.
func parseIPv6(b []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1 // where "::" stands in ip
	i, k := 0, 0   // read from b[i], write to ip[k]
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		ellipsis, i = 0, 2
	}
	for i < len(b) && k < 16 {
		// A group: one to four hex digits.
		var v uint16
		n := 0
		for ; n < 4 && i < len(b); n, i = n+1, i+1 {
			d := hexDigit(b[i])
			if d > 15 {
				break
			}
			v = v<<4 | uint16(d)
		}
		if n == 0 {
			return netip.Addr{}, false
		}
		ip[k], ip[k+1] = byte(v>>8), byte(v)
		k += 2
		if i == len(b) {
			break
		}
		if b[i] != ':' || i+1 == len(b) {
			return netip.Addr{}, false
		}
		i++
		if b[i] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = k
			i++
		}
	}
	switch {
	case i != len(b):
		return netip.Addr{}, false
	case ellipsis < 0 && k != 16, ellipsis >= 0 && k == 16:
		// Eight groups, no more and no fewer, unless "::" stands for at
		// least one.
		return netip.Addr{}, false
	case ellipsis >= 0:
		// Move the groups after "::" to the end.
		n := k - ellipsis
		copy(ip[16-n:], ip[ellipsis:k])
		clear(ip[ellipsis : 16-n])
	}
	return netip.AddrFrom16(ip), true
}

// hexDigit returns the value of hex digit c, or more than 15 for any other
// byte.
func hexDigit(c byte) byte {
	switch {
	case c-'0' <= 9:
		return c - '0'
	case c|0x20-'a' <= 5:
		return c | 0x20 - 'a' + 10
	}
	return 16
}

func parseAction(b []byte) (Action, bool) {
	switch string(b) {
	case "ACCEPT":
		return Accept, true
	case "REJECT":
		return Reject, true
	}
	return ActionNone, false
}

func parseStatus(b []byte) (Status, bool) {
	switch string(b) {
	case "OK":
		return OK, true
	case "NODATA":
		return NoData, true
	case "SKIPDATA":
		return SkipData, true
	}
	return StatusNone, false
}
