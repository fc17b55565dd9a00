package output

import (
	"bufio"
	"strconv"
	"unicode/utf8"
)

// jsonWriter prints rows as objects: an array (streamed, not collected), one
// object a line, or a single object.
type jsonWriter struct {
	w       *bufio.Writer
	columns [][]byte // `"key":` prefixes
	lines   bool     // NDJSON
	object  bool     // a single object, no array
	n       int
	buf     []byte
}

func jsonKeys(columns []string) [][]byte {
	keys := make([][]byte, len(columns))
	for i, c := range columns {
		k := appendJSONString(nil, []byte(c))
		keys[i] = append(k, ':')
	}
	return keys
}

func (j *jsonWriter) Write(row []Value) error {
	b := j.buf[:0]
	switch {
	case j.lines:
	case j.object:
		if j.n > 0 {
			b = append(b, '\n')
		}
	case j.n == 0:
		b = append(b, "[\n"...)
	default:
		b = append(b, ",\n"...)
	}
	b = append(b, '{')
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, j.columns[i]...)
		b = appendJSONValue(b, v)
	}
	b = append(b, '}')
	if j.lines {
		b = append(b, '\n')
	}
	j.n++
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func (j *jsonWriter) Close() error {
	switch {
	case j.lines:
	case j.object:
		if j.n > 0 {
			j.w.WriteByte('\n')
		}
	case j.n == 0:
		j.w.WriteString("[]\n")
	default:
		j.w.WriteString("\n]\n")
	}
	return j.w.Flush()
}

func appendJSONValue(b []byte, v Value) []byte {
	switch v.Kind {
	case String:
		if v.B != nil {
			return appendJSONString(b, v.B)
		}
		return appendJSONString(b, []byte(v.S))
	case Uint:
		return strconv.AppendUint(b, v.U, 10)
	case Int, Unix:
		return strconv.AppendInt(b, v.I, 10)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does, so the output always parses.
func appendJSONString(b []byte, s []byte) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				switch c {
				case '\n':
					b = append(b, '\\', 'n')
				case '\r':
					b = append(b, '\\', 'r')
				case '\t':
					b = append(b, '\\', 't')
				default:
					b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				}
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
