// Package output owns the formats flowlog prints data in: an aligned table
// for people, and JSON, NDJSON and CSV for programs. Every format takes the
// same rows of typed values, so a command builds its rows once.
package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"
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

// Writer prints rows of a fixed set of columns.
type Writer interface {
	// Write prints (or, for a table, collects) one row; row has one value per
	// column and may be reused by the caller after Write returns.
	Write(row []Value) error
	// Close finishes the output: it closes a JSON array, renders a table and
	// flushes buffered bytes. It must be called even when no row was written.
	Close() error
}

// Options tune a Writer.
type Options struct {
	// Object makes JSON print the single row as one object instead of an
	// array (for commands that show one thing, like get).
	Object bool
	// TableRows bounds how many rows a table holds before it renders them and
	// starts a new table; it keeps memory constant on long outputs.
	TableRows int
}

// NewWriter returns a Writer printing columns to w in format f.
func NewWriter(f Format, w io.Writer, columns []string, opts Options) (Writer, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	switch f {
	case JSON:
		return &jsonWriter{w: bw, columns: jsonKeys(columns), object: opts.Object}, nil
	case NDJSON:
		return &jsonWriter{w: bw, columns: jsonKeys(columns), lines: true}, nil
	case CSV:
		return newCSVWriter(bw, columns), nil
	case Table:
		n := opts.TableRows
		if n <= 0 {
			n = 10000
		}
		return &tableWriter{out: bw, columns: columns, limit: n}, nil
	}
	return nil, fmt.Errorf("output format %q is not available here", f)
}
