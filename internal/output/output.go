// Package output owns the formats flowlog prints data in: an aligned table
// for people, and JSON, NDJSON and CSV for programs. Every format takes the
// same rows of typed values, so a command builds its rows once.
//
// Rows are encoded by an Encoder into bytes and written, in order, by a
// Stream. A query encodes rows on several workers at once and hands the
// bytes to one Stream; a command that prints a few rows uses a Writer, which
// is a Stream with its own Encoder.
package output

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is an output format name as given to -o.
type Format string

const (
	Table  Format = "table"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
	CSV    Format = "csv"
	Raw    Format = "raw" // original record lines; only queries of records offer it
)

// Formats lists the formats every command supports, for help and completion.
var Formats = []Format{Table, JSON, NDJSON, CSV}

// ParseFormat checks a -o value. allowed lists the formats the command offers.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", fmt.Errorf("invalid output format %q: use one of %s", s, strings.Join(names, ", "))
}

// Options tune a Stream or Writer.
type Options struct {
	// Object makes JSON print the single row as one object instead of an
	// array (for commands that show one thing, like get).
	Object bool
	// People makes a table show sizes and counts for people to read
	// (1.8 GB, 12.3 k): for a table on a terminal. Other formats, and
	// tables sent to programs, keep exact numbers.
	People bool
	// Location is the zone tables show times in; nil is UTC. Other
	// formats print times as unix seconds.
	Location *time.Location
	// TableRows bounds how many rows a table holds before it renders them and
	// starts a new table; it keeps memory constant on long outputs.
	TableRows int
}

// Stream writes encoded rows to w, adding what the format needs around them:
// the brackets of a JSON array, the header of a CSV file, the alignment of a
// table.
type Stream struct {
	format  Format
	columns []string
	opts    Options
	w       *bufio.Writer
	rows    int
	table   *tableWriter
}

// NewStream returns a Stream printing columns to w in format f.
func NewStream(f Format, w io.Writer, columns []string, opts Options) (*Stream, error) {
	switch f {
	case JSON, NDJSON, CSV, Table:
	default:
		return nil, fmt.Errorf("output format %q is not available here", f)
	}
	s := &Stream{format: f, columns: columns, opts: opts, w: bufio.NewWriterSize(w, 64<<10)}
	if f == Table {
		n := opts.TableRows
		if n <= 0 {
			n = 10000
		}
		s.table = &tableWriter{out: s.w, columns: columns, limit: n}
	}
	return s, nil
}

// Encoder returns a new Encoder for this Stream's format and columns. Each
// goroutine that encodes rows needs its own.
func (s *Stream) Encoder() *Encoder { return newEncoder(s.format, s.columns, s.opts) }

// Write writes bytes produced by Encoders of this Stream: whole rows, in the
// order they are to appear.
func (s *Stream) Write(encoded []byte) error {
	if len(encoded) == 0 {
		return nil
	}
	switch s.format {
	case Table:
		return s.table.writeEncoded(encoded)
	case CSV:
		if s.rows == 0 {
			s.w.Write(appendCSVRecord(nil, s.columns))
		}
	case JSON:
		if s.rows == 0 {
			// Every encoded object starts with ",\n"; the first one's comma
			// becomes the array's opening bracket.
			if !s.opts.Object {
				s.w.WriteByte('[')
			}
			encoded = encoded[1:]
		}
	}
	s.rows++
	_, err := s.w.Write(encoded)
	return err
}

// Flush writes out what is buffered, so a long-running query shows its
// rows as they come; a table renders the rows it holds.
func (s *Stream) Flush() error {
	if s.format == Table && len(s.table.rows) > 0 {
		if err := s.table.render(); err != nil {
			return err
		}
	}
	return s.w.Flush()
}

// Close finishes the output and flushes it. It must be called even when no
// row was written: an empty JSON array is "[]" and an empty CSV file still
// has its header.
func (s *Stream) Close() error {
	switch s.format {
	case Table:
		if err := s.table.close(); err != nil {
			return err
		}
	case CSV:
		if s.rows == 0 {
			s.w.Write(appendCSVRecord(nil, s.columns))
		}
	case JSON:
		switch {
		case s.opts.Object:
			if s.rows > 0 {
				s.w.WriteByte('\n')
			}
		case s.rows == 0:
			s.w.WriteString("[]\n")
		default:
			s.w.WriteString("\n]\n")
		}
	}
	return s.w.Flush()
}

// Writer prints rows one at a time: a Stream with its own Encoder.
type Writer struct {
	stream *Stream
	enc    *Encoder
	buf    []byte
}

// NewWriter returns a Writer printing columns to w in format f.
func NewWriter(f Format, w io.Writer, columns []string, opts Options) (*Writer, error) {
	s, err := NewStream(f, w, columns, opts)
	if err != nil {
		return nil, err
	}
	return &Writer{stream: s, enc: s.Encoder()}, nil
}

// Write prints one row; row has one value per column.
func (w *Writer) Write(row []Value) error {
	w.buf = w.enc.Append(w.buf[:0], row)
	return w.stream.Write(w.buf)
}

// Close finishes the output; see Stream.Close.
func (w *Writer) Close() error { return w.stream.Close() }

// cellSep separates table cells in encoded rows; record fields and
// configuration values never contain it.
const cellSep = '\x1f'

func splitCells(line []byte) []string {
	parts := bytes.Split(line, []byte{cellSep})
	cells := make([]string, len(parts))
	for i, p := range parts {
		cells[i] = string(p)
	}
	return cells
}
