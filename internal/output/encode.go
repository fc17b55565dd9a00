package output

import (
	"strconv"
	"unicode/utf8"
)

// Encoder appends rows in one format to a byte slice. It allocates nothing
// per row, so workers can encode millions of records.
type Encoder struct {
	format Format
	keys   [][]byte // JSON: `"key":`
	text   textStyle
}

func newEncoder(f Format, columns []string, opts Options) *Encoder {
	e := &Encoder{format: f, text: textStyle{table: f == Table, people: f == Table && opts.People, loc: opts.Location}}
	if f == JSON || f == NDJSON {
		e.keys = make([][]byte, len(columns))
		for i, c := range columns {
			e.keys[i] = append(appendJSONString(nil, []byte(c)), ':')
		}
	}
	if f == JSON && opts.Object {
		// A single object has no array to separate it in; keep the same
		// leading two bytes so Stream treats every JSON row alike.
		e.format = "json-object"
	}
	return e
}

// Append appends row, encoded, to dst and returns the extended slice.
func (e *Encoder) Append(dst []byte, row []Value) []byte {
	switch e.format {
	case JSON:
		dst = append(dst, ",\n"...)
		return e.appendObject(dst, row)
	case "json-object":
		dst = append(dst, '\n')
		return e.appendObject(dst, row)
	case NDJSON:
		return append(e.appendObject(dst, row), '\n')
	case CSV:
		for i, v := range row {
			if i > 0 {
				dst = append(dst, ',')
			}
			start := len(dst)
			dst = v.appendText(dst, e.text)
			if needsQuotes(dst[start:]) {
				dst = quoteCSV(dst, start)
			}
		}
		return append(dst, '\n')
	case Table:
		for i, v := range row {
			if i > 0 {
				dst = append(dst, cellSep)
			}
			dst = v.appendText(dst, e.text)
		}
		return append(dst, '\n')
	}
	return dst
}

func (e *Encoder) appendObject(dst []byte, row []Value) []byte {
	dst = append(dst, '{')
	for i, v := range row {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, e.keys[i]...)
		dst = appendJSONValue(dst, v)
	}
	return append(dst, '}')
}

func appendJSONValue(b []byte, v Value) []byte {
	switch v.Kind {
	case String:
		if v.B != nil {
			return appendJSONString(b, v.B)
		}
		return appendJSONStringS(b, v.S)
	case Uint, Quantity, Size:
		return strconv.AppendUint(b, v.U, 10)
	case Rate:
		return strconv.AppendFloat(b, v.F, 'f', -1, 64)
	case Int, Unix:
		return strconv.AppendInt(b, v.I, 10)
	}
	return append(b, "null"...)
}

const hexDigits = "0123456789abcdef"

func appendJSONStringS(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONString(b, []byte(s))
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

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
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// needsQuotes follows RFC 4180 (and encoding/csv): quote a field holding a
// comma, a quote, a line break, or leading white space.
func needsQuotes(field []byte) bool {
	if len(field) == 0 {
		return false
	}
	if field[0] == ' ' || field[0] == '\t' {
		return true
	}
	for _, c := range field {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}

// quoteCSV quotes the field dst[start:] in place, doubling its quotes.
func quoteCSV(dst []byte, start int) []byte {
	field := append([]byte(nil), dst[start:]...)
	dst = append(dst[:start], '"')
	for _, c := range field {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func appendCSVRecord(dst []byte, fields []string) []byte {
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		start := len(dst)
		dst = append(dst, f...)
		if needsQuotes(dst[start:]) {
			dst = quoteCSV(dst, start)
		}
	}
	return append(dst, '\n')
}
