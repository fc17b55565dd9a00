package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The Thrift compact protocol, as Parquet encodes its footer and page
// headers: just enough to read the fields flowlog needs and skip the rest,
// with every length checked against the bytes there are. parquet-go
// trusts the lengths it decodes; a corrupt file must not reach it with a
// length that makes it allocate gigabytes.

// Compact protocol types.
const (
	tStop    = 0
	tTrue    = 1
	tFalse   = 2
	tByte    = 3
	tI16     = 4
	tI32     = 5
	tI64     = 6
	tDouble  = 7
	tBinary  = 8
	tList    = 9
	tSet     = 10
	tMap     = 11
	tStruct  = 12
	maxDepth = 32 // nesting of structs and containers; Parquet's needs under 10
)

var errTruncated = errors.New("truncated thrift data")

// thriftDecoder reads compact-protocol values from b, from pos on.
type thriftDecoder struct {
	b     []byte
	pos   int
	depth int
}

func (d *thriftDecoder) byte() (byte, error) {
	if d.pos >= len(d.b) {
		return 0, errTruncated
	}
	c := d.b[d.pos]
	d.pos++
	return c, nil
}

func (d *thriftDecoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errors.New("thrift varint overflows 64 bits")
	}
	d.pos += n
	return v, nil
}

// int reads a zigzag varint: an i16, i32 or i64.
func (d *thriftDecoder) int() (int64, error) {
	u, err := d.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// int32 reads an i32 (or smaller) value, refusing one out of its range.
func (d *thriftDecoder) int32() (int32, error) {
	v, err := d.int()
	if err == nil && int64(int32(v)) != v {
		return 0, fmt.Errorf("thrift i32 %d out of range", v)
	}
	return int32(v), err
}

// binary reads a string or binary value; the bytes are b's own.
func (d *thriftDecoder) binary() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)-d.pos) {
		return nil, fmt.Errorf("thrift binary of %d bytes, %d left: %w", n, len(d.b)-d.pos, errTruncated)
	}
	v := d.b[d.pos : d.pos+int(n) : d.pos+int(n)]
	d.pos += int(n)
	return v, nil
}

// list reads a list or set header: the element type and count. Every
// element takes at least one byte, so a count past the bytes left is
// corrupt, whatever it claims.
func (d *thriftDecoder) list() (elem byte, n int, err error) {
	h, err := d.byte()
	if err != nil {
		return 0, 0, err
	}
	size := uint64(h >> 4)
	if size == 15 {
		if size, err = d.uvarint(); err != nil {
			return 0, 0, err
		}
	}
	if size > uint64(len(d.b)-d.pos) {
		return 0, 0, fmt.Errorf("thrift list of %d elements, %d bytes left: %w", size, len(d.b)-d.pos, errTruncated)
	}
	return h & 0x0f, int(size), nil
}

// fields calls fn with the id and type of each field of a struct, until its
// stop byte; fn reads the value or calls skip.
func (d *thriftDecoder) fields(fn func(id int16, typ byte) error) error {
	if d.depth++; d.depth > maxDepth {
		return errors.New("thrift structs nested too deep")
	}
	defer func() { d.depth-- }()
	var last int16
	for {
		h, err := d.byte()
		if err != nil {
			return err
		}
		if h == tStop {
			return nil
		}
		typ := h & 0x0f
		id := last + int16(h>>4)
		if h>>4 == 0 {
			v, err := d.int()
			if err != nil {
				return err
			}
			id = int16(v)
		}
		last = id
		if err := fn(id, typ); err != nil {
			return err
		}
	}
}

// elements calls fn for each element of a list, after checking its type;
// fn is told the list's length, which the bytes left bound, so that it can
// make room for all of them at once.
func (d *thriftDecoder) elements(want byte, fn func(n int) error) error {
	elem, n, err := d.list()
	if err != nil {
		return err
	}
	if elem != want {
		if n == 0 {
			return nil
		}
		return fmt.Errorf("thrift list of type %d, want %d", elem, want)
	}
	if d.depth++; d.depth > maxDepth {
		return errors.New("thrift lists nested too deep")
	}
	defer func() { d.depth-- }()
	for range n {
		if err := fn(n); err != nil {
			return err
		}
	}
	return nil
}

// skip reads past a value of type typ.
func (d *thriftDecoder) skip(typ byte) error {
	switch typ {
	case tTrue, tFalse:
		return nil // a field's boolean is in its header
	case tByte:
		_, err := d.byte()
		return err
	case tI16, tI32, tI64:
		_, err := d.uvarint()
		return err
	case tDouble:
		if len(d.b)-d.pos < 8 {
			return errTruncated
		}
		d.pos += 8
		return nil
	case tBinary:
		_, err := d.binary()
		return err
	case tStruct:
		return d.fields(func(_ int16, typ byte) error { return d.skip(typ) })
	case tList, tSet:
		elem, n, err := d.list()
		if err != nil {
			return err
		}
		return d.skipN(elem, n)
	case tMap:
		n, err := d.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n > uint64(len(d.b)-d.pos) {
			return errTruncated
		}
		kv, err := d.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := d.skipN(kv>>4, 1); err != nil {
				return err
			}
			if err := d.skipN(kv&0x0f, 1); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("thrift type %d unknown", typ)
}

// skipN skips n elements of a container; a boolean element is a byte there.
func (d *thriftDecoder) skipN(elem byte, n int) error {
	if d.depth++; d.depth > maxDepth {
		return errors.New("thrift lists nested too deep")
	}
	defer func() { d.depth-- }()
	for range n {
		if elem == tTrue || elem == tFalse {
			if _, err := d.byte(); err != nil {
				return err
			}
			continue
		}
		if err := d.skip(elem); err != nil {
			return err
		}
	}
	return nil
}

// i64 reads a field of type i64 (or a smaller integer), refusing another
// type.
func (d *thriftDecoder) i64(typ byte) (int64, error) {
	if typ != tI64 && typ != tI32 && typ != tI16 {
		return 0, fmt.Errorf("thrift field of type %d, want an integer", typ)
	}
	return d.int()
}

func (d *thriftDecoder) i32(typ byte) (int32, error) {
	if typ != tI32 && typ != tI16 {
		return 0, fmt.Errorf("thrift field of type %d, want i32", typ)
	}
	return d.int32()
}
