package output

import (
	"strconv"
	"strings"
	"time"
)

// Kind says how a Value prints.
type Kind uint8

const (
	Null Kind = iota // absent: null in JSON, empty in CSV, "-" in a table
	String
	Uint
	Int
	Unix // seconds since the epoch: a number for programs, RFC 3339 for people
	// Quantity is a number of things (flows, packets): 12.3 k in a table
	// for people, exact elsewhere.
	Quantity
	// Size is a number of bytes: 1.8 GB in a table for people.
	Size
	// Rate is bytes a second, in F: 1.2 MB/s in a table for people.
	Rate
)

// Value is one cell. It holds bytes rather than a string so rows built from
// record fields cost no allocation.
type Value struct {
	Kind Kind
	B    []byte
	S    string
	U    uint64
	I    int64
	F    float64
}

// Str returns a string Value.
func Str(s string) Value { return Value{Kind: String, S: s} }

// Bytes returns a string Value backed by b, which must stay unchanged until
// the row is written.
func Bytes(b []byte) Value { return Value{Kind: String, B: b} }

// UintValue returns a number Value.
func UintValue(u uint64) Value { return Value{Kind: Uint, U: u} }

// IntValue returns a signed number Value.
func IntValue(i int64) Value { return Value{Kind: Int, I: i} }

// CountValue returns a number of things, which a table for people shows
// rounded (12.3 k).
func CountValue(u uint64) Value { return Value{Kind: Quantity, U: u} }

// SizeValue returns a number of bytes, which a table for people shows in
// decimal units (1.8 GB).
func SizeValue(u uint64) Value { return Value{Kind: Size, U: u} }

// RateValue returns bytes a second.
func RateValue(f float64) Value { return Value{Kind: Rate, F: f} }

// UnixValue returns a time Value from unix seconds.
func UnixValue(sec int64) Value { return Value{Kind: Unix, I: sec} }

// TimeValue returns a string Value with t in RFC 3339, UTC: the spelling of
// configuration times such as created_at in every format.
func TimeValue(t time.Time) Value {
	if t.IsZero() {
		return Value{}
	}
	return Str(t.UTC().Format(time.RFC3339))
}

// textStyle says how a cell prints as text: in CSV (table false), in a
// table for programs and pipes (exact numbers) or in a table for people.
type textStyle struct {
	table  bool
	people bool
	loc    *time.Location // tables: the zone of times; nil for UTC
}

// appendText appends v as plain text, as CSV and tables show it. Unix times
// are numbers in CSV and RFC 3339 in tables; sizes, counts and rates are
// exact but in a table for people.
func (v Value) appendText(dst []byte, st textStyle) []byte {
	switch v.Kind {
	case String:
		if v.B != nil {
			return append(dst, v.B...)
		}
		return append(dst, v.S...)
	case Uint:
		return strconv.AppendUint(dst, v.U, 10)
	case Quantity:
		if st.people {
			return appendCount(dst, v.U)
		}
		return strconv.AppendUint(dst, v.U, 10)
	case Size:
		if st.people {
			return appendSize(dst, v.U, 1000, decimalUnits)
		}
		return strconv.AppendUint(dst, v.U, 10)
	case Rate:
		if st.people {
			return append(appendSize(dst, uint64(v.F+0.5), 1000, decimalUnits), "/s"...)
		}
		return strconv.AppendFloat(dst, v.F, 'f', -1, 64)
	case Int:
		return strconv.AppendInt(dst, v.I, 10)
	case Unix:
		if st.table {
			loc := st.loc
			if loc == nil {
				loc = time.UTC
			}
			return time.Unix(v.I, 0).In(loc).AppendFormat(dst, time.RFC3339)
		}
		return strconv.AppendInt(dst, v.I, 10)
	}
	if st.table {
		return append(dst, '-')
	}
	return dst
}

// Plural is noun as it follows the number n: "object" for 1, "objects"
// otherwise. Every message that counts things uses it or Count.
func Plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Count is n followed by noun in the right number: "1 object", "3 objects".
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Plural(int64(n), noun)
}

// eighths are the block characters one to seven eighths of a cell wide.
var eighths = [8]string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// Bar draws v as a horizontal bar of at most width cells, scaled so that
// most fills them all, in eighths of a cell. Any v above zero shows at least
// a sliver, so an empty interval stands out from a quiet one; the bar reads
// the same without colour.
func Bar(v, most uint64, width int) string {
	if v == 0 || most == 0 {
		return ""
	}
	n := int((float64(v)/float64(most))*float64(width*8) + 0.5)
	n = max(n, 1)
	return strings.Repeat("█", n/8) + eighths[n%8]
}
