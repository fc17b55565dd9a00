package output

import (
	"bufio"
	"encoding/csv"
)

// csvWriter prints a header and one record a row (RFC 4180, via
// encoding/csv, which quotes only when a value needs it).
type csvWriter struct {
	w      *bufio.Writer
	cw     *csv.Writer
	header []string
	fields []string
	buf    []byte
	ends   []int
}

func newCSVWriter(w *bufio.Writer, columns []string) *csvWriter {
	return &csvWriter{w: w, cw: csv.NewWriter(w), header: columns, fields: make([]string, len(columns))}
}

func (c *csvWriter) Write(row []Value) error {
	if c.header != nil {
		if err := c.cw.Write(c.header); err != nil {
			return err
		}
		c.header = nil
	}
	// One buffer for the whole row; the strings point into it and live only
	// until the csv.Writer has copied them.
	c.buf = c.buf[:0]
	c.ends = c.ends[:0]
	for _, v := range row {
		c.buf = v.appendText(c.buf, false)
		c.ends = append(c.ends, len(c.buf))
	}
	start := 0
	for i, end := range c.ends {
		c.fields[i] = string(c.buf[start:end])
		start = end
	}
	return c.cw.Write(c.fields)
}

func (c *csvWriter) Close() error {
	if c.header != nil {
		if err := c.cw.Write(c.header); err != nil {
			return err
		}
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.w.Flush()
}
