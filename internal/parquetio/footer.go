package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
)

// flowlog reads a Parquet footer itself (footerOf) rather than through
// parquet-go: the statistics that skip a row group, or count it whole,
// need only a few fields, and a query that statistics answer never opens
// the file with parquet-go at all. Before parquet-go reads a column chunk,
// checkChunk walks its page headers. Both check every declared size against
// the file and against the bounds below, so that parquet-go, which
// allocates what a header declares, never sees a corrupt length.

// Bounds on what a file may declare. Writers keep pages near 1 MiB and row
// groups to some million rows; these are far above that and far below what
// would exhaust memory. (Variables, so that the fuzz test can lower them:
// a fuzzer is slow on inputs that allocate what the real bounds allow.)
var (
	maxPageBytes    int32 = 64 << 20 // a page's compressed or uncompressed size
	maxPageValues   int32 = 1 << 24
	maxRowGroupRows int64 = 1 << 30
)

const (
	maxFooterBytes   = 256 << 20
	maxHeaderBytes   = 16 << 20 // a page header (its statistics may be long)
	firstHeaderBytes = 4 << 10  // what is read first for a page header
)

// Parquet physical types and page types.
const (
	typeInt32             = 1
	typeInt64             = 2
	typeByteArray         = 6
	typeFixedLenByteArray = 7

	codecLZ4Raw = 7

	pageData       = 0
	pageDictionary = 2
	pageDataV2     = 3
)

var typeNames = map[int32]string{0: "BOOLEAN", 1: "INT32", 2: "INT64", 3: "INT96", 4: "FLOAT", 5: "DOUBLE", 6: "BYTE_ARRAY", 7: "FIXED_LEN_BYTE_ARRAY"}

func typeName(t int32) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}

// footer is what flowlog reads of a file's metadata.
type footer struct {
	numRows   int64
	leaves    int          // leaf columns in the file
	leafTypes []int32      // the physical type of each
	columns   []leafColumn // the leaf columns directly under the root
	rowGroups []rowGroupMeta
	dataEnd   int64 // where the column data ends and the footer starts
}

type leafColumn struct {
	name     string
	typ      int32
	index    int // among the leaves
	repeated bool
}

type rowGroupMeta struct {
	numRows int64
	chunks  []chunkMeta // by leaf index
}

type chunkMeta struct {
	typ, codec               int32
	numValues                int64
	compressed, uncompressed int64
	dataOffset, dictOffset   int64
	inOtherFile, hasMeta     bool
	// Statistics: min and max (the current fields, not the deprecated
	// ones, as parquet-go reads them) and the NULL count.
	min, max       []byte
	hasMin, hasMax bool
	nulls          int64
	hasNulls       bool
	start, end     int64 // the byte range of the chunk's pages
	checked        bool  // its page headers were checked
}

// ReadError is a failure to read a file's bytes (a disk, a bucket), not a
// file found corrupt.
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }

func (e *ReadError) Unwrap() error { return e.Err }

// footerOf reads and checks the footer of a Parquet file of size bytes.
func footerOf(r io.ReaderAt, size int64) (*footer, error) {
	if size < 12 {
		return nil, fmt.Errorf("%d bytes: too short for a parquet file", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, &ReadError{fmt.Errorf("read the footer: %w", err)}
	}
	if string(tail[4:]) != "PAR1" {
		return nil, errors.New("no PAR1 at the end: not a parquet file, or truncated")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 || n > maxFooterBytes {
		return nil, fmt.Errorf("footer of %d bytes in a file of %d", n, size)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-8-n); err != nil {
		return nil, &ReadError{fmt.Errorf("read the footer: %w", err)}
	}
	ft := &footer{dataEnd: size - 8 - n}
	if err := ft.decode(buf); err != nil {
		return nil, fmt.Errorf("footer: %w", err)
	}
	for i := range ft.rowGroups {
		if err := ft.checkRowGroup(i); err != nil {
			return nil, err
		}
	}
	return ft, nil
}

// schemaElement is one element of the flattened schema tree.
type schemaElement struct {
	name        []byte
	typ         int32
	repetition  int32
	numChildren int32
}

// maxPrealloc bounds the room made for a list's elements before they are
// read: a corrupt list may claim one element for every byte of the footer,
// and an element decoded takes a hundred times the byte.
const maxPrealloc = 1024

func (ft *footer) decode(b []byte) error {
	d := &thriftDecoder{b: b}
	var schema []schemaElement
	err := d.fields(func(id int16, typ byte) error {
		var err error
		switch {
		case id == 2 && typ == tList: // schema
			err = d.elements(tStruct, func(n int) error {
				if schema == nil {
					schema = make([]schemaElement, 0, min(n, maxPrealloc))
				}
				var e schemaElement
				e.typ = -1
				err := d.fields(func(id int16, typ byte) error {
					var err error
					switch {
					case id == 1:
						e.typ, err = d.i32(typ)
					case id == 3:
						e.repetition, err = d.i32(typ)
					case id == 4 && typ == tBinary:
						e.name, err = d.binary()
					case id == 5:
						e.numChildren, err = d.i32(typ)
					default:
						err = d.skip(typ)
					}
					return err
				})
				schema = append(schema, e)
				return err
			})
		case id == 3:
			ft.numRows, err = d.i64(typ)
		case id == 4 && typ == tList: // row groups
			err = d.elements(tStruct, func(n int) error {
				if ft.rowGroups == nil {
					ft.rowGroups = make([]rowGroupMeta, 0, min(n, maxPrealloc))
				}
				rg, err := decodeRowGroup(d)
				ft.rowGroups = append(ft.rowGroups, rg)
				return err
			})
		default:
			err = d.skip(typ)
		}
		return err
	})
	if err != nil {
		return err
	}
	return ft.readSchema(schema)
}

// readSchema finds the leaves of the schema tree, and those directly under
// its root.
func (ft *footer) readSchema(schema []schemaElement) error {
	if len(schema) == 0 {
		return errors.New("no schema")
	}
	next := 1
	var walk func(n int32, top, repeated bool, depth int) error
	walk = func(n int32, top, repeated bool, depth int) error {
		if depth > maxDepth {
			return errors.New("schema nested too deep")
		}
		for range n {
			if next >= len(schema) {
				return errors.New("schema: fewer elements than its groups declare")
			}
			e := schema[next]
			next++
			rep := repeated || e.repetition == 2
			if e.numChildren < 0 {
				return fmt.Errorf("schema: %d children", e.numChildren)
			}
			if e.numChildren > 0 {
				if err := walk(e.numChildren, false, rep, depth+1); err != nil {
					return err
				}
				continue
			}
			if top {
				ft.columns = append(ft.columns, leafColumn{name: string(e.name), typ: e.typ, index: ft.leaves, repeated: rep})
			}
			ft.leaves++
			ft.leafTypes = append(ft.leafTypes, e.typ)
		}
		return nil
	}
	if err := walk(schema[0].numChildren, true, false, 0); err != nil {
		return err
	}
	if next != len(schema) {
		return errors.New("schema: more elements than its groups declare")
	}
	return nil
}

func decodeRowGroup(d *thriftDecoder) (rowGroupMeta, error) {
	var rg rowGroupMeta
	err := d.fields(func(id int16, typ byte) error {
		var err error
		switch {
		case id == 1 && typ == tList:
			err = d.elements(tStruct, func(n int) error {
				if rg.chunks == nil {
					rg.chunks = make([]chunkMeta, 0, min(n, maxPrealloc))
				}
				c, err := decodeColumnChunk(d)
				rg.chunks = append(rg.chunks, c)
				return err
			})
		case id == 3:
			rg.numRows, err = d.i64(typ)
		default:
			err = d.skip(typ)
		}
		return err
	})
	return rg, err
}

func decodeColumnChunk(d *thriftDecoder) (chunkMeta, error) {
	var c chunkMeta
	err := d.fields(func(id int16, typ byte) error {
		switch {
		case id == 1:
			c.inOtherFile = true // file_path: the data is elsewhere
			return d.skip(typ)
		case id == 3 && typ == tStruct:
			c.hasMeta = true
			return d.fields(func(id int16, typ byte) error {
				var err error
				switch {
				case id == 1:
					c.typ, err = d.i32(typ)
				case id == 4:
					c.codec, err = d.i32(typ)
				case id == 5:
					c.numValues, err = d.i64(typ)
				case id == 6:
					c.uncompressed, err = d.i64(typ)
				case id == 7:
					c.compressed, err = d.i64(typ)
				case id == 9:
					c.dataOffset, err = d.i64(typ)
				case id == 11:
					c.dictOffset, err = d.i64(typ)
				case id == 12 && typ == tStruct:
					err = decodeStatistics(d, &c)
				default:
					err = d.skip(typ)
				}
				return err
			})
		}
		return d.skip(typ)
	})
	return c, err
}

func decodeStatistics(d *thriftDecoder, c *chunkMeta) error {
	return d.fields(func(id int16, typ byte) error {
		var err error
		switch {
		case id == 3:
			c.nulls, err = d.i64(typ)
			c.hasNulls = err == nil
		case id == 5 && typ == tBinary:
			c.max, err = d.binary()
			c.hasMax = err == nil
		case id == 6 && typ == tBinary:
			c.min, err = d.binary()
			c.hasMin = err == nil
		default:
			err = d.skip(typ)
		}
		return err
	})
}

// checkRowGroup checks the sizes row group i declares against the file.
func (ft *footer) checkRowGroup(i int) error {
	rg := &ft.rowGroups[i]
	if rg.numRows < 0 || rg.numRows > maxRowGroupRows {
		return fmt.Errorf("row group %d: %d rows", i, rg.numRows)
	}
	if len(rg.chunks) != ft.leaves {
		return fmt.Errorf("row group %d: %d column chunks for %d columns", i, len(rg.chunks), ft.leaves)
	}
	for j := range rg.chunks {
		c := &rg.chunks[j]
		fail := func(format string, args ...any) error {
			return fmt.Errorf("row group %d, column %s: %s", i, ft.leafName(j), fmt.Sprintf(format, args...))
		}
		switch {
		case c.inOtherFile:
			return fail("the column chunk is in another file")
		case !c.hasMeta:
			return fail("no column metadata (an encrypted column?)")
		case c.numValues < 0 || c.numValues > maxRowGroupRows:
			return fail("%d values", c.numValues)
		case i > 0 && c.codec != ft.rowGroups[0].chunks[j].codec:
			// parquet-go decompresses every chunk of a column with the
			// codec of the first.
			return fail("codec %d, not row group 0's %d", c.codec, ft.rowGroups[0].chunks[j].codec)
		case c.typ != ft.leafTypes[j]:
			return fail("column chunk of %s in a column of %s", typeName(c.typ), typeName(ft.leafTypes[j]))
		case c.compressed < 0 || c.uncompressed < 0:
			return fail("column chunk of %d bytes (%d uncompressed)", c.compressed, c.uncompressed)
		}
		// Where parquet-go starts reading the pages: at the dictionary
		// page when there is one.
		c.start = c.dataOffset
		if c.dictOffset != 0 {
			c.start = c.dictOffset
		}
		c.end = c.start + c.compressed
		if c.start < 4 || c.start > ft.dataEnd || c.compressed > ft.dataEnd-c.start {
			return fail("column chunk of %d bytes at offset %d, outside the %d bytes of data", c.compressed, c.start, ft.dataEnd)
		}
	}
	return nil
}

// leafName is the name of leaf column j, or its number if it is nested.
func (ft *footer) leafName(j int) string {
	for _, c := range ft.columns {
		if c.index == j {
			return c.name
		}
	}
	return fmt.Sprintf("#%d", j)
}

// checkChunk walks the page headers of a column chunk before parquet-go
// reads them: each page within the chunk, its sizes and value count within
// bounds, and the values adding up to the chunk's.
func (ft *footer) checkChunk(r io.ReaderAt, rgIndex, leaf int) error {
	c := &ft.rowGroups[rgIndex].chunks[leaf]
	if c.checked {
		return nil
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("row group %d, column %s: %s", rgIndex, ft.leafName(leaf), fmt.Sprintf(format, args...))
	}
	var buf []byte
	var values int64
	for off := c.start; off < c.end; {
		left := c.end - off
		want := min(left, firstHeaderBytes)
		var h pageHeader
		var hlen int
		for {
			if int64(cap(buf)) < want {
				buf = make([]byte, want)
			}
			buf = buf[:want]
			if _, err := r.ReadAt(buf, off); err != nil && !(err == io.EOF && len(buf) > 0) {
				return fail("read a page header at offset %d: %v", off, err)
			}
			var err error
			hlen, err = h.decode(buf)
			if err == nil {
				break
			}
			if errors.Is(err, errTruncated) && want < left && want < maxHeaderBytes {
				want = min(left, want*8, maxHeaderBytes)
				continue
			}
			return fail("page header at offset %d: %v", off, err)
		}
		body := left - int64(hlen)
		switch {
		case h.compressed < 0 || int64(h.compressed) > body:
			return fail("page at offset %d declares %d bytes, %d left in the column chunk", off, h.compressed, body)
		case h.compressed > maxPageBytes || h.uncompressed < 0 || h.uncompressed > maxPageBytes:
			return fail("page at offset %d declares %d bytes (%d uncompressed), more than %d", off, h.compressed, h.uncompressed, maxPageBytes)
		case h.numValues < 0 || h.numValues > maxPageValues:
			return fail("page at offset %d declares %d values", off, h.numValues)
		case h.levelBytes < 0 || h.levelBytes > int64(h.compressed):
			return fail("page at offset %d declares %d bytes of levels in %d", off, h.levelBytes, h.compressed)
		}
		if h.typ == pageData || h.typ == pageDataV2 {
			values += int64(h.numValues)
		}
		if c.codec == codecLZ4Raw && h.compressed > 0 {
			if err := checkLZ4(r, off+int64(hlen), &h); err != nil {
				return fail("page at offset %d: %v", off, err)
			}
		}
		off += int64(hlen) + int64(h.compressed)
	}
	if values != c.numValues {
		return fail("pages hold %d values, the column chunk declares %d", values, c.numValues)
	}
	c.checked = true
	return nil
}

// pageHeader is what checkChunk reads of a page header.
type pageHeader struct {
	typ                      int32
	uncompressed, compressed int32
	numValues                int32
	levelBytes               int64 // of a version 2 data page
	uncompressedV2           bool  // a version 2 page whose values are not compressed
}

// checkLZ4 decompresses an LZ4_RAW page into the size its header declares.
// parquet-go doubles its buffer for as long as a block fails to decompress,
// which a corrupt block does for ever.
func checkLZ4(r io.ReaderAt, off int64, h *pageHeader) error {
	src := make([]byte, h.compressed)
	if _, err := r.ReadAt(src, off); err != nil {
		return err
	}
	size := int64(h.uncompressed)
	if h.typ == pageDataV2 {
		if h.uncompressedV2 {
			return nil
		}
		src = src[h.levelBytes:]
		size -= h.levelBytes
	}
	if size < 0 {
		return errors.New("levels larger than the page")
	}
	dst := make([]byte, size)
	n, err := lz4.UncompressBlock(src, dst)
	if err != nil || int64(n) != size {
		return fmt.Errorf("LZ4_RAW data that does not decompress to the %d bytes declared", size)
	}
	return nil
}

// decode reads a page header from the front of b and returns its length.
func (h *pageHeader) decode(b []byte) (int, error) {
	d := &thriftDecoder{b: b}
	*h = pageHeader{typ: -1}
	seen := 0
	err := d.fields(func(id int16, typ byte) error {
		var err error
		switch {
		case id == 1:
			h.typ, err = d.i32(typ)
		case id == 2:
			h.uncompressed, err = d.i32(typ)
			seen |= 1
		case id == 3:
			h.compressed, err = d.i32(typ)
			seen |= 2
		case (id == 5 || id == 7 || id == 8) && typ == tStruct: // data, dictionary, data v2
			err = d.fields(func(sub int16, typ byte) error {
				var err error
				switch {
				case sub == 1:
					h.numValues, err = d.i32(typ)
				case id == 8 && sub == 7 && typ == tFalse:
					h.uncompressedV2 = true
				case id == 8 && (sub == 5 || sub == 6):
					var n int32
					n, err = d.i32(typ)
					if n < 0 {
						n = -1 << 30
					}
					h.levelBytes += int64(n)
				default:
					err = d.skip(typ)
				}
				return err
			})
		default:
			err = d.skip(typ)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	if seen != 3 {
		return 0, errors.New("no page sizes")
	}
	return d.pos, nil
}
