package output

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/mattn/go-runewidth"
)

// tableWriter collects rows and renders them aligned under an upper-case
// header, without borders, like kubectl and gh. Past limit rows it renders
// what it holds and starts a new table, so memory stays bounded.
type tableWriter struct {
	out     *bufio.Writer
	columns []string
	limit   int
	rows    [][]string
	written bool
}

// writeEncoded takes rows encoded by a table Encoder: one line a row, cells
// separated by cellSep.
func (t *tableWriter) writeEncoded(encoded []byte) error {
	for line := range bytes.Lines(encoded) {
		t.rows = append(t.rows, splitCells(bytes.TrimSuffix(line, []byte("\n"))))
		if len(t.rows) >= t.limit {
			if err := t.render(); err != nil {
				return err
			}
		}
	}
	return nil
}

// render writes the rows held under the header, each column as wide as
// its widest cell (in terminal cells, so wide characters count double) and
// two spaces after it, the last column unpadded. It is a few lines rather
// than a table library: the one flowlog used set up tables of its own when
// the program started, which every run paid for, table or not.
func (t *tableWriter) render() error {
	if t.written {
		t.out.WriteByte('\n')
	}
	header := make([]string, len(t.columns))
	for i, c := range t.columns {
		header[i] = strings.ToUpper(c)
	}
	widths := make([]int, len(header))
	measure := func(row []string) {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cellWidth(strings.TrimSpace(cell)))
		}
	}
	measure(header)
	for _, row := range t.rows {
		measure(row)
	}
	var line bytes.Buffer
	write := func(row []string) {
		line.Reset()
		for i, cell := range row {
			cell = strings.TrimSpace(cell)
			line.WriteString(cell)
			for range widths[i] - cellWidth(cell) + 2 {
				line.WriteByte(' ')
			}
		}
		// Trailing blanks only get in the way of people who copy a line.
		t.out.Write(bytes.TrimRight(line.Bytes(), " "))
		t.out.WriteByte('\n')
	}
	write(header)
	for _, row := range t.rows {
		write(row)
	}
	t.rows = t.rows[:0]
	t.written = true
	return nil
}

// cellWidth is the width of s on a terminal.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return runewidth.StringWidth(s)
		}
	}
	return len(s)
}

// Close renders the rows left. With no rows at all it prints nothing, not
// even a header, as ls prints nothing for an empty folder.
func (t *tableWriter) close() error {
	if len(t.rows) > 0 {
		return t.render()
	}
	return nil
}
