package output

import (
	"strconv"
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
)

// Value is one cell. It holds bytes rather than a string so rows built from
// record fields cost no allocation.
type Value struct {
	Kind Kind
	B    []byte
	S    string
	U    uint64
	I    int64
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

// appendText appends v as plain text, as CSV and tables show it. Unix times
// are numbers in CSV and RFC 3339 in tables.
func (v Value) appendText(dst []byte, human bool) []byte {
	switch v.Kind {
	case String:
		if v.B != nil {
			return append(dst, v.B...)
		}
		return append(dst, v.S...)
	case Uint:
		return strconv.AppendUint(dst, v.U, 10)
	case Int:
		return strconv.AppendInt(dst, v.I, 10)
	case Unix:
		if human {
			return time.Unix(v.I, 0).UTC().AppendFormat(dst, time.RFC3339)
		}
		return strconv.AppendInt(dst, v.I, 10)
	}
	if human {
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
