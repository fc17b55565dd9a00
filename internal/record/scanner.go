package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
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

// Scanner reads records line by line. It skips blank lines and a header line
// naming the fields, accepts \n and \r\n line ends and a missing final
// newline, and parses only the fields it is asked for.
type Scanner struct {
	br          *bufio.Reader
	source      string
	need        FieldSet
	skipInvalid bool

	rec     Record
	addrs   addrCache
	line    int
	records int
	skipped int
	err     error
	first   bool
}

// NewScanner returns a Scanner reading text (already decompressed) from r.
// source names r in errors. need says which fields to convert.
func NewScanner(r io.Reader, source string, need FieldSet) *Scanner {
	return &Scanner{
		br:     bufio.NewReaderSize(r, 256<<10),
		source: source,
		need:   need,
		first:  true,
	}
}

// Reset makes the Scanner read a new source, keeping its buffer. Its
// counts start again from zero.
func (s *Scanner) Reset(r io.Reader, source string) {
	s.br.Reset(r)
	s.source = source
	s.rec = Record{}
	s.line, s.records, s.skipped = 0, 0, 0
	s.err = nil
	s.first = true
}

// SkipInvalid makes the Scanner skip and count malformed lines instead of
// stopping at the first one.
func (s *Scanner) SkipInvalid(skip bool) { s.skipInvalid = skip }

// Scan advances to the next record. It returns false at the end of input or
// on an error, which Err then reports.
func (s *Scanner) Scan() bool {
	if s.err != nil {
		return false
	}
	for {
		line, err := s.readLine()
		if err != nil {
			if err != io.EOF {
				s.err = err
			}
			return false
		}
		ok, err := s.accept(line, false)
		if err != nil {
			s.err = err
			return false
		}
		if ok {
			return true
		}
	}
}

// accept takes one line (its number already counted). It reports true when
// the line is a record, now in s.rec and counted; false for a line to pass
// over (blank, the header, a malformed line being skipped); or the error
// that stops the scan. triedSingle says the caller already tried the fast
// parse on it.
func (s *Scanner) accept(line []byte, triedSingle bool) (bool, error) {
	if len(line) == 0 || (line[0] <= ' ' && len(bytes.TrimSpace(line)) == 0) {
		return false, nil
	}
	if s.first {
		s.first = false
		if isHeader(line) {
			if err := checkHeader(line); err != nil {
				return false, &LineError{Source: s.source, Line: s.line, Err: err}
			}
			return false, nil
		}
	}
	if !triedSingle && parseSingle(line, s.need, &s.rec, &s.addrs) {
		s.records++
		return true, nil
	}
	if err := parseGeneral(line, s.need, &s.rec); err != nil {
		if s.skipInvalid {
			s.skipped++
			return false, nil
		}
		return false, &LineError{Source: s.source, Line: s.line, Err: err}
	}
	s.records++
	return true, nil
}

// errStopped ends a push-mode scan that the caller stopped.
var errStopped = errors.New("stopped")

// Each reads all of r and calls fn for every record, until fn returns false.
// Unlike Scan it lets r push its bytes: a decompressor that implements
// io.WriterTo hands over its own window, and lines are parsed where they
// lie, without copying them into a buffer first. It returns the error that
// stopped the scan, or nil at the end of input or when fn stopped it.
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
	single     singleLine
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	s := w.s
	for len(p) > 0 {
		// The common case, a record as the service writes it past the
		// line that may be a header: where the processor can, one pass
		// over the line finds its end and its spaces.
		if hasLineVector && len(w.carry) == 0 && !w.discarding && !s.first {
			if i, ok := firstLineSpaces(p, w.single.spaces()); i >= 0 {
				line := p[:i]
				p = p[i+1:]
				if ok && w.single.parse(line, s.need, &s.rec, &s.addrs) {
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

// line takes one line, without its newline. triedSingle says the fast
// parse already refused it.
func (w *lineWriter) line(line []byte, triedSingle bool) error {
	s := w.s
	s.line++
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	ok, err := s.accept(line, triedSingle)
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

func (s *Scanner) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		s.line++
		// Drain the rest of the over-long line so a skip resumes after it.
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = s.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return nil, &SourceError{Source: s.source, Err: err}
		}
		lerr := &LineError{Source: s.source, Line: s.line, Err: fmt.Errorf("line longer than %d bytes", MaxLineLength)}
		if s.skipInvalid {
			s.skipped++
			return []byte{}, nil
		}
		return nil, lerr
	}
	if err != nil {
		if err != io.EOF {
			return nil, &SourceError{Source: s.source, Err: err}
		}
		if len(line) == 0 {
			return nil, io.EOF
		}
	}
	s.line++
	if len(bytes.TrimRight(line, "\r\n")) > MaxLineLength {
		if s.skipInvalid {
			s.skipped++
			return []byte{}, nil
		}
		return nil, &LineError{Source: s.source, Line: s.line, Err: fmt.Errorf("line longer than %d bytes", MaxLineLength)}
	}
	// A last line may end in \r alone, its \n missing: the push mode
	// takes it as a line end too.
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return line[:n], nil
}

// Record returns the current record. It is overwritten by the next Scan.
func (s *Scanner) Record() *Record { return &s.rec }

// Line returns the number of the line last read.
func (s *Scanner) Line() int { return s.line }

// Records returns how many records were read, including the current one.
func (s *Scanner) Records() int { return s.records }

// Skipped returns how many malformed lines were skipped.
func (s *Scanner) Skipped() int { return s.skipped }

// Err returns the error that stopped the Scanner, or nil at a clean end.
func (s *Scanner) Err() error { return s.err }

func isHeader(line []byte) bool {
	line = bytes.TrimLeft(line, " \t")
	return bytes.HasPrefix(line, []byte("version")) || bytes.HasPrefix(line, []byte("#"))
}

// checkHeader accepts a header naming the version-2 fields in their order,
// spelled with - or _; any other layout is a format this reader does not
// understand, and guessing would misread every line after it.
func checkHeader(line []byte) error {
	text := strings.TrimPrefix(strings.TrimSpace(string(line)), "#")
	got := strings.Fields(text)
	if len(got) != NumFields {
		return fmt.Errorf("unsupported header %q: expected the %d version-2 fields", text, NumFields)
	}
	for i, name := range got {
		name = strings.ReplaceAll(strings.ToLower(name), "-", "_")
		if name != fieldNames[i] {
			return fmt.Errorf("unsupported header: field %d is %q, expected %q (only the default version-2 layout is supported)", i+1, got[i], fieldNames[i])
		}
	}
	return nil
}
