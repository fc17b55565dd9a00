package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"unsafe"
)

// SyntaxError describes a line that is not a valid version-2 record. The
// Scanner adds the source name and line number.
type SyntaxError struct {
	Field Field // the offending field, unless WrongCount
	Value string

	WrongCount bool // the line did not have 14 fields
	Fields     int  // how many it had
}

func (e *SyntaxError) Error() string {
	if e.WrongCount {
		return fmt.Sprintf("expected %d fields, found %d", NumFields, e.Fields)
	}
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "…"
	}
	return fmt.Sprintf("invalid %s %q", e.Field, v)
}

// Parse parses a record line (without its line ending) into r. Only the
// fields in need are converted; every line is still checked to have exactly
// fourteen fields. Fields are separated by one or more spaces.
//
// Parse allocates nothing: r's byte fields point into line.
func Parse(line []byte, need FieldSet, r *Record) error {
	var spans [NumFields][2]int32
	n, ok := split(line, &spans)
	if !ok {
		return &SyntaxError{WrongCount: true, Fields: countFields(line)}
	}
	if n != NumFields {
		return &SyntaxError{WrongCount: true, Fields: n}
	}

	r.Line = line
	r.Present = 0
	for f := Field(0); f < NumFields; f++ {
		if !need.Has(f) {
			continue
		}
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

// split records the spans of the space-separated fields of line. It reports
// false when there are more than NumFields fields. This is the one loop that
// touches every byte of every line, so it looks at eight bytes at a time.
func split(line []byte, spans *[NumFields][2]int32) (int, bool) {
	n := 0
	start := 0
	field := func(end int) bool {
		if end > start {
			if n == NumFields {
				return false
			}
			spans[n] = [2]int32{int32(start), int32(end)}
			n++
		}
		start = end + 1
		return true
	}
	i := 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		x := w ^ 0x2020202020202020 // bytes that were spaces are now zero
		// Exact zero-byte mask: the high bit of each byte that is zero.
		m := ^(((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f) | x | 0x7f7f7f7f7f7f7f7f)
		for m != 0 {
			if !field(i + bits.TrailingZeros64(m)/8) {
				return n, false
			}
			m &= m - 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == ' ' && !field(i) {
			return n, false
		}
	}
	if !field(len(line)) {
		return n, false
	}
	return n, true
}

func countFields(line []byte) int {
	n := 0
	for f := range bytes.FieldsFuncSeq(line, func(r rune) bool { return r == ' ' }) {
		_ = f
		n++
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

// parseIPv4 is the fast path for dotted quads, which are most addresses.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	octet := 0
	val := 0
	digits := 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && val == 0 {
				return netip.Addr{}, false // leading zero, as netip refuses
			}
			val = val*10 + int(c-'0')
			digits++
			if val > 255 {
				return netip.Addr{}, false
			}
		case c == '.':
			if digits == 0 || octet == 3 {
				return netip.Addr{}, false
			}
			ip[octet] = byte(val)
			octet++
			val, digits = 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if octet != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	ip[3] = byte(val)
	return netip.AddrFrom4(ip), true
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
