package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLineLength is the longest line a Scanner accepts. A version-2 record
// with two full IPv6 addresses is well under 300 bytes.
const MaxLineLength = 64 << 10

// LineError is a malformed line, located by source name and line number.
type LineError struct {
	Source string
	Line   int
	Err    error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.Source, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// SourceError is a failure to read a source as a whole, such as a truncated
// or corrupt gzip stream.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }

func (e *SourceError) Unwrap() error { return e.Err }

// Scanner reads the records of a text (already decompressed) line by line,
// through Each. Its rules:
//
//   - A line ends at a newline; a carriage return before it, or ending
//     the text, is not part of the line. The last line needs no newline.
//   - A line longer than MaxLineLength bytes (counting a carriage return
//     that ends it) is malformed.
//   - A blank line is skipped: empty, or white space only (as
//     bytes.TrimSpace sees it) from a first byte that is an ASCII space
//     or control byte.
//   - The first line that is not blank is a header line if isHeader says
//     so: it names the fields of the lines after it, in their order (an
//     AWS VPC flow log in a custom format), and is skipped. A header that
//     names a field flowlog does not know, or one twice, stops the scan
//     with a LineError, even with SkipInvalid.
//   - Every other line is a record, parsed as Parse does (no header, or a
//     header naming the version-2 fields in order) or as its header's
//     Layout.Parse does, converting only the fields the Scanner is asked
//     for. A field the header does not name is absent from every record.
//   - A line that is not a record of the layout in force but is a header
//     starts a new layout: texts joined together, as zcat joins objects,
//     read as the objects would one by one. There a line starting with "#"
//     is a header only if it names known fields; otherwise it is a
//     malformed line like any other.
//
// A malformed line stops the scan with a LineError, or with SkipInvalid is
// skipped and counted.
type Scanner struct {
	source      string
	need        FieldSet
	skipInvalid bool

	rec     Record
	layout  *Layout // the header's layout; nil for version 2
	headed  bool    // a header line was read
	addrs   addrCache
	line    int
	records int
	skipped int
	err     error
	first   bool
}

// NewScanner returns a Scanner for a text named source in errors, which
// converts the fields in need. The reader is not read: Each is handed the
// text. (The parameter stays until the callers drop it.)
func NewScanner(_ io.Reader, source string, need FieldSet) *Scanner {
	return &Scanner{source: source, need: need, first: true}
}

// Reset makes the Scanner ready for a new text named source, keeping its
// address cache. Its counts start again from zero. The reader is not read,
// as in NewScanner.
func (s *Scanner) Reset(_ io.Reader, source string) {
	s.source = source
	s.rec = Record{}
	s.layout, s.headed = nil, false
	s.line, s.records, s.skipped = 0, 0, 0
	s.err = nil
	s.first = true
}

// SkipInvalid makes the Scanner skip and count malformed lines instead of
// stopping at the first one.
func (s *Scanner) SkipInvalid(skip bool) { s.skipInvalid = skip }

// blank reports whether line is blank by the Scanner's rules. Looking at
// the first byte spares most lines the call.
func blank(line []byte) bool {
	return len(line) == 0 || (line[0] <= ' ' && len(bytes.TrimSpace(line)) == 0)
}

// accept takes one line (its number already counted). It reports true when
// the line is a record, now in s.rec and counted; false for a line to pass
// over (blank, the header, a malformed line being skipped); or the error
// that stops the scan. triedSingleSpaced says the caller already tried the
// fast parse on it.
func (s *Scanner) accept(line []byte, triedSingleSpaced bool) (bool, error) {
	if blank(line) {
		return false, nil
	}
	if s.first {
		s.first = false
		if isHeader(line) {
			return false, s.header(line)
		}
	}
	if s.layout != nil {
		if err := s.layout.Parse(line, s.need, &s.rec); err != nil {
			return false, s.malformed(line, err)
		}
		s.records++
		return true, nil
	}
	if !triedSingleSpaced && parseSingleSpaced(line, s.need, &s.rec, &s.addrs) {
		s.records++
		return true, nil
	}
	if err := parseGeneral(line, s.need, &s.rec); err != nil {
		return false, s.malformed(line, err)
	}
	s.records++
	return true, nil
}

// header takes a header line: the layout of the lines after it.
func (s *Scanner) header(line []byte) error {
	l, err := ParseHeader(line)
	if err != nil {
		return &LineError{Source: s.source, Line: s.line, Err: err}
	}
	s.layout, s.headed = l, true
	return nil
}

// malformed handles a line that is no record of the layout in force: a
// header starting another layout, a line to skip and count, or the error
// that stops the scan.
func (s *Scanner) malformed(line []byte, err error) error {
	if isHeader(line) && (!isComment(line) || validHeader(line)) {
		return s.header(line)
	}
	if se, ok := err.(*SyntaxError); ok && se.WrongCount && !s.headed && s.records == 0 && s.skipped == 0 {
		se.FirstLine = true
	}
	if s.skipInvalid {
		s.skipped++
		return nil
	}
	return &LineError{Source: s.source, Line: s.line, Err: err}
}

// errStopped ends a scan that fn stopped.
var errStopped = errors.New("stopped")

// Each reads all of r and calls fn for every record, until fn returns false.
// The Record handed to fn is valid until fn returns. r pushes its bytes: a
// decompressor that implements io.WriterTo hands over its own window, and
// lines are parsed where they lie, without copying them into a buffer
// first. Each returns the error that stopped the scan, or nil at the end of
// input or when fn stopped it.
func (s *Scanner) Each(r io.Reader, fn func(*Record) bool) error {
	w := &lineWriter{s: s, fn: fn}
	var err error
	if wt, ok := r.(io.WriterTo); ok {
		_, err = wt.WriteTo(w)
	} else {
		_, err = io.CopyBuffer(w, r, make([]byte, 64<<10))
	}
	if err == nil && len(w.carry) > 0 && !w.discarding {
		// The last line had no newline.
		err = w.line(w.carry, false)
	}
	switch {
	case errors.Is(err, errStopped):
		return nil
	case err == nil:
		return nil
	case s.err != nil:
		return s.err
	}
	s.err = &SourceError{Source: s.source, Err: err}
	return s.err
}

// lineWriter splits what is written to it into lines for a Scanner. Only a
// line cut in two by the end of a Write is copied, into carry.
type lineWriter struct {
	s          *Scanner
	fn         func(*Record) bool
	carry      []byte
	discarding bool // inside an over-long line being skipped
	spaced     singleSpacedLine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	s := w.s
	for len(p) > 0 {
		// The common case, a record as the service writes it past the
		// line that may be a header: where the processor can, one pass
		// over the line finds its end and its spaces.
		if hasAVX512Line && len(w.carry) == 0 && !w.discarding && !s.first && s.layout == nil {
			if i, ok := lineEndAndSpaces(p, w.spaced.spaces()); i >= 0 {
				line := p[:i]
				p = p[i+1:]
				if ok && w.spaced.parse(line, s.need, &s.rec, &s.addrs) {
					s.line++
					s.records++
					if !w.fn(&s.rec) {
						return 0, errStopped
					}
					continue
				}
				if err := w.line(line, ok); err != nil {
					return 0, err
				}
				continue
			}
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if !w.discarding {
				w.carry = append(w.carry, p...)
				if len(w.carry) > MaxLineLength {
					if err := w.tooLong(); err != nil {
						return 0, err
					}
				}
			}
			return n, nil
		}
		line := p[:i]
		p = p[i+1:]
		if w.discarding {
			w.discarding = false
			continue
		}
		if len(w.carry) > 0 {
			w.carry = append(w.carry, line...)
			line = w.carry
		}
		if len(line) > MaxLineLength {
			if err := w.tooLong(); err != nil {
				return 0, err
			}
			w.discarding = false
			w.carry = w.carry[:0]
			continue
		}
		err := w.line(line, false)
		w.carry = w.carry[:0]
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// line takes one line, without its newline. triedSingleSpaced says the fast
// parse already refused it.
func (w *lineWriter) line(line []byte, triedSingleSpaced bool) error {
	s := w.s
	s.line++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	ok, err := s.accept(line, triedSingleSpaced)
	if err != nil {
		s.err = err
		return err
	}
	if ok && !w.fn(&s.rec) {
		return errStopped
	}
	return nil
}

// tooLong handles a line past MaxLineLength: an error, or with SkipInvalid
// a skipped line whose rest is discarded.
func (w *lineWriter) tooLong() error {
	s := w.s
	s.line++
	w.carry = w.carry[:0]
	if s.skipInvalid {
		s.skipped++
		w.discarding = true
		return nil
	}
	s.err = &LineError{Source: s.source, Line: s.line, Err: fmt.Errorf("line longer than %d bytes", MaxLineLength)}
	return s.err
}

// Records returns how many records were read.
func (s *Scanner) Records() int { return s.records }

// Skipped returns how many malformed lines were skipped.
func (s *Scanner) Skipped() int { return s.skipped }
