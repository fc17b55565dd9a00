package record

import (
	"bytes"
	"fmt"
	"math/bits"
	"strings"
)

// Layout is the order of the fields in the lines of a text whose header
// line names them: an AWS VPC flow log in a custom format (versions 3 to
// 8), where any of the known fields may come in any order. A text without
// a header, or whose header names the version-2 fields in their order, has
// no Layout: its lines take the version-2 parser, the fast path.
type Layout struct {
	fields []Field              // the field at each position of a line
	pos    [NumKnownFields]int8 // the position of each field, -1 if absent
	set    FieldSet             // the fields a line holds
	spans  [][2]int32           // scratch: the spans of a line\'s fields
}

// ParseHeader reads a header line: field names separated by spaces (or
// tabs), in AWS's spelling (log-status, vpc-id) or flowlog's (log_status),
// in any case, optionally after a "#". It returns nil for the version-2
// layout, which needs none. A field that is not known, or named twice, is
// an error naming it.
func ParseHeader(line []byte) (*Layout, error) {
	text := strings.TrimSpace(string(line))
	text = strings.TrimSpace(strings.TrimPrefix(text, "#"))
	names := strings.Fields(text)
	if len(names) == 0 {
		return nil, fmt.Errorf("empty header line")
	}
	l := &Layout{}
	for i := range l.pos {
		l.pos[i] = -1
	}
	for i, name := range names {
		f, ok := fieldByHeaderName(name)
		if !ok {
			return nil, fmt.Errorf("header names unknown field %q (field %d): flowlog reads the fields of AWS flow log versions 2 to 8 (see docs/record-formats.md)", truncate(name), i+1)
		}
		if l.pos[f] >= 0 {
			return nil, fmt.Errorf("header names field %q twice (fields %d and %d)", f.AWSName(), l.pos[f]+1, i+1)
		}
		l.pos[f] = int8(i)
		l.fields = append(l.fields, f)
		l.set = l.set.With(f)
	}
	l.spans = make([][2]int32, len(l.fields))
	if l.isV2() {
		return nil, nil
	}
	return l, nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// isV2 reports whether the layout is the version-2 record's.
func (l *Layout) isV2() bool {
	if len(l.fields) != NumFields {
		return false
	}
	for i, f := range l.fields {
		if f != Field(i) {
			return false
		}
	}
	return true
}

// Fields returns the fields of the layout, in line order.
func (l *Layout) Fields() []Field { return l.fields }

// String returns the layout as a header line in AWS's spelling.
func (l *Layout) String() string {
	names := make([]string, len(l.fields))
	for i, f := range l.fields {
		names[i] = f.AWSName()
	}
	return strings.Join(names, " ")
}

// Parse parses a line of the layout into r, converting the fields in need;
// a field in need that the layout lacks is absent, as if written "-".
// Fields are separated by one or more spaces. Like the version-2 Parse it
// allocates nothing: r's byte fields point into line. A Layout keeps
// scratch space for Parse: it is not safe for concurrent use (each Scanner
// reads its own header).
func (l *Layout) Parse(line []byte, need FieldSet, r *Record) error {
	spans := l.spans
	n, ok := fieldSpans(line, spans)
	if !ok {
		return &SyntaxError{WrongCount: true, Fields: countFields(line), Want: len(l.fields)}
	}
	if n != len(l.fields) {
		return &SyntaxError{WrongCount: true, Fields: n, Want: len(l.fields)}
	}
	r.Line = line
	r.Present = 0
	for m := need &^ l.set; m != 0; m &= m - 1 {
		clearField(r, Field(bits.TrailingZeros64(uint64(m))))
	}
	for m := need & l.set; m != 0; m &= m - 1 {
		f := Field(bits.TrailingZeros64(uint64(m)))
		sp := spans[l.pos[f]]
		b := line[sp[0]:sp[1]]
		if len(b) == 1 && b[0] == '-' {
			clearField(r, f)
			continue
		}
		if f >= NumFields && f.Kind() == KindText {
			// The text fields of custom formats stay where they lie.
			if !isToken(b) {
				return &SyntaxError{Field: f, Value: string(b)}
			}
			r.extra[f-NumFields] = span{sp[0], sp[1]}
			r.built = nil
		} else if !parseField(r, f, b) {
			return &SyntaxError{Field: f, Value: string(b)}
		}
		r.Present |= 1 << f
	}
	return nil
}

// isHeader reports whether line, the first of a text or a line that is no
// record of the layout in force, is a header line: it starts with "#", or
// its first word is a field's name (as "version" is in the header of
// AWS's default format), or all its words are names (letters, digits, "-"
// and "_", from a letter) and one of them is a field's. A record's first
// word is a value: a number, an address, "-", or an id such as vpc-0a1b,
// which names no field.
func isHeader(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	if len(line) > 0 && line[0] == '#' {
		return true
	}
	known, names := false, true
	for i, w := range bytes.Fields(line) {
		if _, ok := fieldByHeaderName(string(w)); ok {
			if i == 0 {
				return true
			}
			known = true
		} else if !isName(w) {
			names = false
		}
	}
	return known && names
}

// isComment reports whether line starts with "#" (after spaces and tabs).
func isComment(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	return len(line) > 0 && line[0] == '#'
}

// validHeader reports whether line is a header ParseHeader accepts.
func validHeader(line []byte) bool {
	_, err := ParseHeader(line)
	return err == nil
}

// isName reports whether w looks like a field name.
func isName(w []byte) bool {
	if len(w) == 0 || (w[0]|0x20) < 'a' || (w[0]|0x20) > 'z' {
		return false
	}
	for _, c := range w {
		if !((c|0x20) >= 'a' && (c|0x20) <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
