package parquetio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/flowlog/flowlog/internal/record"
)

// Bounds are conditions that every record a query keeps meets, as far as
// row-group statistics can check them; a row group that cannot hold such a
// record is not read. The zero value skips nothing.
type Bounds struct {
	// Since and Until are unix seconds, 0 for open: a record is kept only
	// if its end is at or after Since and its start at or before Until.
	Since, Until int64
	// Actions, when not empty, are the verdicts a kept record has.
	Actions []record.Action
	// Exact says the bounds are the whole question: every record within
	// them is kept. Count then takes a row group whose statistics put all
	// its records within them without decoding it.
	Exact bool
}

// File is one Parquet file of flow log records, its columns found by name:
// flowlog's export layout, or AWS's Parquet flow logs (the same names, the
// addresses as text only, and the fields of custom formats, vpc_id to
// reject_reason, under flowlog's names for them). Open reads
// only its footer; parquet-go opens the file when a row group must be
// decoded, which a query that statistics answer never needs.
type File struct {
	name string
	r    io.ReaderAt
	size int64
	ft   *footer
	pf   *parquet.File              // opened on first use
	col  [record.NumKnownFields]int // column index of each field, -1 if absent
	bin  [2]int                     // srcaddr_bin, dstaddr_bin; -1 if absent
}

var fieldColumns = [record.NumFields]string{
	record.Version: ColVersion, record.AccountID: ColAccountID, record.InterfaceID: ColInterfaceID,
	record.SrcAddr: ColSrcAddr, record.DstAddr: ColDstAddr, record.SrcPort: ColSrcPort,
	record.DstPort: ColDstPort, record.Protocol: ColProtocol, record.Packets: ColPackets,
	record.Bytes: ColBytes, record.Start: ColStart, record.End: ColEnd,
	record.ActionField: ColAction, record.LogStatus: ColLogStatus,
}

// kind is how a column's values become a record's field.
type kind uint8

const (
	kindInt kind = iota
	kindText
	kindBin
)

func fieldKind(f record.Field) kind {
	switch f {
	case record.Version, record.SrcPort, record.DstPort, record.Protocol,
		record.Packets, record.Bytes, record.Start, record.End:
		return kindInt
	}
	if f.Numeric() {
		return kindInt // tcp_flags, traffic_path
	}
	return kindText
}

// columnName is the column a field is read from: the export's names for
// the version-2 fields, flowlog's names (AWS's Parquet names) for the
// others.
func columnName(f record.Field) string {
	if f < record.NumFields {
		return fieldColumns[f]
	}
	return f.String()
}

// Open reads the footer of a Parquet file of size bytes in r and finds its
// columns. name appears in errors. A file without the start column, with a
// column of an unexpected type, or declaring sizes that do not fit the file
// is refused.
func Open(r io.ReaderAt, size int64, name string) (*File, error) {
	ft, err := footerOf(r, size)
	var readErr *ReadError
	switch {
	case errors.As(err, &readErr):
		return nil, fmt.Errorf("%s: %w", name, err)
	case err != nil:
		return nil, fmt.Errorf("%s: corrupt parquet file: %w", name, err)
	}
	f := &File{name: name, r: r, size: size, ft: ft, bin: [2]int{-1, -1}}
	for i := range f.col {
		f.col[i] = -1
	}
	for _, c := range ft.columns {
		if c.repeated {
			continue
		}
		want, physical := kindInt, c.typ
		field, isField := -1, false
		for i := range record.NumKnownFields {
			if c.name == columnName(record.Field(i)) {
				field, isField, want = i, true, fieldKind(record.Field(i))
			}
		}
		binSide := -1
		switch c.name {
		case ColSrcAddrBin:
			binSide, want = 0, kindBin
		case ColDstAddrBin:
			binSide, want = 1, kindBin
		}
		if !isField && binSide < 0 {
			continue // a column of no field flowlog knows
		}
		ok := false
		switch want {
		case kindInt:
			ok = physical == typeInt32 || physical == typeInt64
		case kindText:
			ok = physical == typeByteArray
		case kindBin:
			ok = physical == typeByteArray || physical == typeFixedLenByteArray
		}
		if !ok && field >= record.NumFields {
			continue // a column of a custom format's name, of another type: not ours to read
		}
		if !ok {
			return nil, fmt.Errorf("%s: column %s is %s, not a type flowlog reads there", name, c.name, typeName(physical))
		}
		if isField {
			f.col[field] = c.index
		} else {
			f.bin[binSide] = c.index
		}
	}
	if f.col[record.Start] < 0 {
		return nil, fmt.Errorf("%s: no column %q: not a flow log file", name, ColStart)
	}
	return f, nil
}

// open opens the file with parquet-go, once the footer has passed footerOf.
func (f *File) open() (err error) {
	if f.pf != nil {
		return nil
	}
	defer func() {
		// The library trusts lengths in the file more than it should;
		// footerOf and checkChunk check them first, and this is the
		// last resort.
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt parquet file: %v", p)
		}
	}()
	pf, err := parquet.OpenFile(f.r, f.size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(256<<10))
	if err != nil {
		return err
	}
	if len(pf.RowGroups()) != len(f.ft.rowGroups) || len(pf.Schema().Columns()) != f.ft.leaves {
		return errors.New("corrupt parquet file: parquet-go reads another layout from the footer")
	}
	f.pf = pf
	return nil
}

// NumRows is the number of records in the file.
func (f *File) NumRows() int64 { return f.ft.numRows }

// Reader decodes records of Files; it keeps its buffers from one file to the
// next, so a worker that reads many files allocates little. A Reader is not
// safe for concurrent use.
type Reader struct {
	cols [record.NumKnownFields]vector
	bins [2]vector
	rec  record.Record
	line []byte
	// texts holds the current record's custom-format text fields
	// (record.SetText).
	texts []byte
	ver   []byte
	verN  int64
	// fields are those decoded in the current row group, in order.
	fields []record.Field

	RowGroups, Skipped int // row groups read and skipped by statistics
}

// vector is one column of a row group, decoded.
type vector struct {
	valid []bool
	ints  []int64
	data  []byte   // byte values, one after another
	ends  []uint32 // end offset of each value in data (valid ones only are non-empty)
	enums []uint8  // action and log_status as record.Action / record.Status
}

func (v *vector) reset() {
	v.valid, v.ints, v.data, v.ends, v.enums = v.valid[:0], v.ints[:0], v.data[:0], v.ends[:0], v.enums[:0]
}

func (v *vector) bytesAt(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = v.ends[i-1]
	}
	return v.data[start:v.ends[i]]
}

// Each calls fn with every record of the file in row groups that b does not
// rule out, decoding only the fields in need (every field, and the record's
// text form in Line, when line is set). fn returns false to stop. A Record
// handed to fn is valid until fn returns. It returns how many records were
// decoded.
func (rd *Reader) Each(f *File, need record.FieldSet, line bool, b Bounds, fn func(*record.Record) bool) (n int64, err error) {
	return rd.each(f, need, line, b, fn, nil)
}

// Count is Each for a caller that only counts: with exact bounds, a row
// group whose statistics put every record within them is not decoded but
// counted in whole; with bounds of verdicts alone, the verdict column of
// any other row group is counted without a record made of a row. It
// returns the records decoded and those counted whole (which fn never
// sees).
func (rd *Reader) Count(f *File, need record.FieldSet, b Bounds, fn func(*record.Record) bool) (decoded, whole int64, err error) {
	decoded, err = rd.each(f, need, false, b, fn, &whole)
	return decoded, whole, err
}

func (rd *Reader) each(f *File, need record.FieldSet, line bool, b Bounds, fn func(*record.Record) bool, whole *int64) (n int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: corrupt parquet data: %v", f.name, p)
		}
	}()
	if line {
		need |= record.AllFields // and the custom fields a filter reads
	}
	for i := range f.ft.rowGroups {
		rgm := &f.ft.rowGroups[i]
		if f.skip(rgm, b) {
			rd.Skipped++
			continue
		}
		rd.RowGroups++
		if whole != nil && b.Exact && f.within(rgm, b) {
			*whole += rgm.numRows
			continue
		}
		if err := f.open(); err != nil {
			return n, fmt.Errorf("%s: %w", f.name, err)
		}
		rows := int(rgm.numRows)
		chunks := f.pf.RowGroups()[i].ColumnChunks()
		decode := func(v *vector, leaf int, k kind, fd record.Field) error {
			if err := f.ft.checkChunk(f.r, i, leaf); err != nil {
				return fmt.Errorf("%s: corrupt parquet file: %w", f.name, err)
			}
			if err := v.decode(chunks[leaf], rows, k, fd); err != nil {
				return fmt.Errorf("%s: row group %d, column %s: %w", f.name, i, f.ft.leafName(leaf), err)
			}
			return nil
		}
		if whole != nil && b.Exact && b.Since == 0 && b.Until == 0 && len(b.Actions) > 0 && f.col[record.ActionField] >= 0 {
			// A verdict count: the verdicts, counted in the column,
			// without a record for each row.
			v := &rd.cols[record.ActionField]
			v.reset()
			if err := decode(v, f.col[record.ActionField], kindText, record.ActionField); err != nil {
				return n, err
			}
			var want [256]bool
			for _, a := range b.Actions {
				want[a] = true
			}
			var matched int64
			for r, e := range v.enums {
				if v.valid[r] && want[e] {
					matched++
				}
			}
			*whole += matched
			n += int64(rows) - matched
			continue
		}
		var present record.FieldSet
		rd.bins[0].reset()
		rd.bins[1].reset()
		for fd := range record.Field(record.NumKnownFields) {
			rd.cols[fd].reset()
			if !need.Has(fd) || f.col[fd] < 0 {
				continue
			}
			if (fd == record.SrcAddr || fd == record.DstAddr) && f.bin[fd-record.SrcAddr] >= 0 {
				side := fd - record.SrcAddr
				if err := decode(&rd.bins[side], f.bin[side], kindBin, fd); err != nil {
					return n, err
				}
				present = present.With(fd)
				continue
			}
			if err := decode(&rd.cols[fd], f.col[fd], fieldKind(fd), fd); err != nil {
				return n, err
			}
			present = present.With(fd)
		}
		rd.fields = rd.fields[:0]
		for fd := range record.Field(record.NumKnownFields) {
			if present.Has(fd) {
				rd.fields = append(rd.fields, fd)
			}
		}
		for i := range rows {
			if err := rd.fill(i, rd.fields, f); err != nil {
				return n, err
			}
			n++
			if line {
				rd.line = record.AppendText(rd.line[:0], &rd.rec)
				rd.rec.Line = rd.line
			}
			if !fn(&rd.rec) {
				return n, nil
			}
		}
	}
	return n, nil
}

// skip reports whether a row group's statistics rule out every record b
// allows.
func (f *File) skip(rg *rowGroupMeta, b Bounds) bool {
	if b.Since != 0 {
		if _, hi, ok := f.intBounds(rg, record.End); ok && hi < b.Since {
			return true
		}
	}
	if b.Until != 0 {
		if lo, _, ok := f.intBounds(rg, record.Start); ok && lo > b.Until {
			return true
		}
	}
	if len(b.Actions) > 0 && f.col[record.ActionField] >= 0 {
		c := &rg.chunks[f.col[record.ActionField]]
		if c.hasMin && c.hasMax {
			lo, hi := string(c.min), string(c.max)
			for _, a := range b.Actions {
				if s := a.String(); lo <= s && s <= hi {
					return false
				}
			}
			return true
		}
	}
	return false
}

// within reports whether a row group's statistics put every record in it
// within b: no NULL in the columns b reads, and their ranges inside b.
func (f *File) within(rg *rowGroupMeta, b Bounds) bool {
	noNulls := func(fd record.Field) bool {
		if f.col[fd] < 0 {
			return false
		}
		c := &rg.chunks[f.col[fd]]
		return c.hasNulls && c.nulls == 0
	}
	if b.Since != 0 {
		if lo, _, ok := f.intBounds(rg, record.End); !ok || !noNulls(record.End) || lo < b.Since {
			return false
		}
	}
	if b.Until != 0 {
		if _, hi, ok := f.intBounds(rg, record.Start); !ok || !noNulls(record.Start) || hi > b.Until {
			return false
		}
	}
	if len(b.Actions) > 0 {
		if !noNulls(record.ActionField) {
			return false
		}
		c := &rg.chunks[f.col[record.ActionField]]
		if !c.hasMin || !c.hasMax || string(c.min) != string(c.max) {
			return false
		}
		for _, a := range b.Actions {
			if a.String() == string(c.min) {
				return true
			}
		}
		return false
	}
	return true
}

// intBounds are the min and max statistics of an integer field's column
// chunk in a row group, where the file has them.
func (f *File) intBounds(rg *rowGroupMeta, fd record.Field) (lo, hi int64, ok bool) {
	if f.col[fd] < 0 {
		return 0, 0, false
	}
	c := &rg.chunks[f.col[fd]]
	if !c.hasMin || !c.hasMax {
		return 0, 0, false
	}
	switch {
	case c.typ == typeInt32 && len(c.min) == 4 && len(c.max) == 4:
		return int64(int32(binary.LittleEndian.Uint32(c.min))), int64(int32(binary.LittleEndian.Uint32(c.max))), true
	case c.typ == typeInt64 && len(c.min) == 8 && len(c.max) == 8:
		return int64(binary.LittleEndian.Uint64(c.min)), int64(binary.LittleEndian.Uint64(c.max)), true
	}
	return 0, 0, false
}

func (v *vector) decode(chunk parquet.ColumnChunk, rows int, k kind, fd record.Field) (err error) {
	pages := chunk.Pages()
	defer func() {
		if cerr := pages.Close(); err == nil {
			err = cerr
		}
	}()
	enum := fd == record.ActionField || fd == record.LogStatus
	var dictEnums []uint8
	var dictFor parquet.Dictionary
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n := int(page.NumValues())
		defs := page.DefinitionLevels()
		data := page.Data()
		dict := page.Dictionary()
		// The values of the page are its non-NULL ones, in order.
		j := 0
		next := func() int { j++; return j - 1 }
		var (
			ints  []int64
			i32   []int32
			bdata []byte
			boffs []uint32
			idx   []int32
			dints []int64
			di32  []int32
			ddata []byte
			doffs []uint32
		)
		if dict != nil {
			idx = data.Int32()
			dd := dict.Page().Data()
			switch dd.Kind() {
			case encoding.Int32:
				di32 = dd.Int32()
			case encoding.Int64:
				dints = dd.Int64()
			default:
				ddata, doffs = dd.ByteArray()
			}
			if enum && dict != dictFor {
				dictFor, dictEnums = dict, dictEnums[:0]
				for d := range dict.Len() {
					e, err := enumOf(fd, valueBytes(ddata, doffs, d))
					if err != nil {
						parquet.Release(page)
						return err
					}
					dictEnums = append(dictEnums, e)
				}
			}
		} else {
			switch data.Kind() {
			case encoding.Int32:
				i32 = data.Int32()
			case encoding.Int64:
				ints = data.Int64()
			case encoding.FixedLenByteArray:
				fdata, size := data.FixedLenByteArray()
				bdata = fdata
				boffs = boffs[:0]
				for o := 0; o <= len(fdata); o += size {
					boffs = append(boffs, uint32(o))
				}
			default:
				bdata, boffs = data.ByteArray()
			}
		}
		if enum && dict != nil {
			// The verdict or status of every row, from the dictionary's
			// few values: the loop a verdict count spends its time in.
			for r := range n {
				valid := len(defs) == 0 || defs[r] > 0
				v.valid = append(v.valid, valid)
				e := uint8(0)
				if valid {
					e = dictEnums[idx[next()]]
				}
				v.enums = append(v.enums, e)
			}
			parquet.Release(page)
			continue
		}
		for r := range n {
			valid := len(defs) == 0 || defs[r] > 0
			v.valid = append(v.valid, valid)
			if !valid {
				switch {
				case k == kindInt:
					v.ints = append(v.ints, 0)
				case enum:
					v.enums = append(v.enums, 0)
				default:
					v.ends = append(v.ends, uint32(len(v.data)))
				}
				continue
			}
			p := next()
			switch {
			case k == kindInt && dict != nil:
				if di32 != nil {
					v.ints = append(v.ints, int64(di32[idx[p]]))
				} else {
					v.ints = append(v.ints, dints[idx[p]])
				}
			case k == kindInt && i32 != nil:
				v.ints = append(v.ints, int64(i32[p]))
			case k == kindInt:
				v.ints = append(v.ints, ints[p])
			case enum && dict != nil:
				v.enums = append(v.enums, dictEnums[idx[p]])
			case enum:
				e, err := enumOf(fd, valueBytes(bdata, boffs, p))
				if err != nil {
					parquet.Release(page)
					return err
				}
				v.enums = append(v.enums, e)
			case dict != nil:
				v.data = append(v.data, valueBytes(ddata, doffs, int(idx[p]))...)
				v.ends = append(v.ends, uint32(len(v.data)))
			default:
				v.data = append(v.data, valueBytes(bdata, boffs, p)...)
				v.ends = append(v.ends, uint32(len(v.data)))
			}
		}
		parquet.Release(page)
	}
	if len(v.valid) != rows {
		return fmt.Errorf("%d values for %d rows", len(v.valid), rows)
	}
	return nil
}

// valueBytes is value i of byte-array values as parquet-go lays them out:
// offsets holds the start of every value and the end of the last.
func valueBytes(data []byte, offsets []uint32, i int) []byte {
	return data[offsets[i]:offsets[i+1]]
}

func enumOf(fd record.Field, b []byte) (uint8, error) {
	if fd == record.ActionField {
		switch {
		case bytes.Equal(b, []byte("ACCEPT")):
			return uint8(record.Accept), nil
		case bytes.Equal(b, []byte("REJECT")):
			return uint8(record.Reject), nil
		case bytes.Equal(b, []byte("-")):
			return uint8(record.ActionNone), nil
		}
		return 0, fmt.Errorf("action %q: want ACCEPT or REJECT", b)
	}
	switch {
	case bytes.Equal(b, []byte("OK")):
		return uint8(record.OK), nil
	case bytes.Equal(b, []byte("NODATA")):
		return uint8(record.NoData), nil
	case bytes.Equal(b, []byte("SKIPDATA")):
		return uint8(record.SkipData), nil
	case bytes.Equal(b, []byte("-")):
		return uint8(record.StatusNone), nil
	}
	return 0, fmt.Errorf("log_status %q: want OK, NODATA or SKIPDATA", b)
}

// fill sets rd.rec to row i of the decoded columns, the fields in decoded.
func (rd *Reader) fill(i int, decoded []record.Field, f *File) error {
	r := &rd.rec
	*r = record.Record{}
	rd.texts = rd.texts[:0]
	for _, fd := range decoded {
		v := &rd.cols[fd]
		if fd == record.SrcAddr || fd == record.DstAddr {
			if bv := &rd.bins[fd-record.SrcAddr]; len(bv.valid) > 0 {
				v = bv
			}
		}
		if !v.valid[i] {
			continue
		}
		if fd >= record.NumFields {
			if err := rd.fillCustom(i, fd, v, f); err != nil {
				return err
			}
			continue
		}
		switch fd {
		case record.Version:
			if n := v.ints[i]; n != rd.verN || rd.ver == nil {
				rd.ver, rd.verN = strconv.AppendInt(rd.ver[:0], n, 10), n
			}
			r.Version = rd.ver
		case record.AccountID:
			r.AccountID = v.bytesAt(i)
		case record.InterfaceID:
			r.InterfaceID = v.bytesAt(i)
		case record.SrcAddr, record.DstAddr:
			a, err := addrOf(v, i, f.bin[fd-record.SrcAddr] >= 0)
			if err != nil {
				return fmt.Errorf("%s: row %d: %s: %w", f.name, i, fd, err)
			}
			if fd == record.SrcAddr {
				r.SrcAddr = a
			} else {
				r.DstAddr = a
			}
		case record.ActionField:
			r.Action = record.Action(v.enums[i])
			if r.Action == record.ActionNone {
				continue
			}
		case record.LogStatus:
			r.Status = record.Status(v.enums[i])
			if r.Status == record.StatusNone {
				continue
			}
		default:
			n := v.ints[i]
			if !inRange(fd, n) {
				return fmt.Errorf("%s: %s %d out of range", f.name, fd, n)
			}
			switch fd {
			case record.SrcPort:
				r.SrcPort = uint16(n)
			case record.DstPort:
				r.DstPort = uint16(n)
			case record.Protocol:
				r.Protocol = uint8(n)
			case record.Packets:
				r.Packets = uint64(n)
			case record.Bytes:
				r.Bytes = uint64(n)
			case record.Start:
				r.Start = n
			case record.End:
				r.End = n
			}
		}
		r.Present = r.Present.With(fd)
	}
	return nil
}

// fillCustom sets the custom-format field fd (vpc_id to reject_reason) of
// rd.rec to row i of its column.
func (rd *Reader) fillCustom(i int, fd record.Field, v *vector, f *File) error {
	r := &rd.rec
	switch fd.Kind() {
	case record.KindText:
		r.SetText(fd, v.bytesAt(i), &rd.texts)
		return nil
	case record.KindAddr:
		a, err := addrOf(v, i, false)
		if err != nil {
			return fmt.Errorf("%s: row %d: %s: %w", f.name, i, fd, err)
		}
		if fd == record.PktSrcAddr {
			r.PktSrcAddr = a
		} else {
			r.PktDstAddr = a
		}
	default:
		n := v.ints[i]
		if !inRange(fd, n) {
			return fmt.Errorf("%s: %s %d out of range", f.name, fd, n)
		}
		switch fd {
		case record.TCPFlags:
			r.TCPFlags = uint32(n)
		case record.TrafficPath:
			r.TrafficPath = uint32(n)
		default:
			return nil // no other numbers among them
		}
	}
	r.Present = r.Present.With(fd)
	return nil
}

// inRange reports whether n fits the record field fd: a number (a port,
// a counter, tcp_flags) from 0 to its largest; times and the version as
// they are.
func inRange(fd record.Field, n int64) bool {
	if fd.Kind() == record.KindNumber {
		return n >= 0 && uint64(n) <= fd.Max()
	}
	return true
}

func addrOf(v *vector, i int, bin bool) (netip.Addr, error) {
	b := v.bytesAt(i)
	if bin {
		if len(b) != 16 {
			return netip.Addr{}, fmt.Errorf("%d bytes, want 16", len(b))
		}
		return netip.AddrFrom16([16]byte(b)).Unmap(), nil
	}
	a, err := netip.ParseAddr(string(b))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("not an IP address: %q", b)
	}
	return a, nil
}
