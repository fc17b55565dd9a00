// Package pqtest writes Parquet files byte by byte, for tests of readers
// that must refuse corrupt ones: every size a file declares is the
// caller's to choose, which no Parquet writer allows. Tests only.
package pqtest

import (
	"encoding/binary"
)

// Page describes the one data page of a file written by File: the sizes its
// header declares (0 means the true size) and its values.
type Page struct {
	Compressed, Uncompressed int32
	NumValues                int32 // 0 means len(Starts)
	Starts                   []int64
}

// File is a Parquet file with one required INT64 column, start, in one row
// group of one uncompressed PLAIN data page holding p.Starts, its header
// declaring p's sizes. Everything else in the file is consistent.
func File(p Page) []byte {
	data := make([]byte, 0, 8*len(p.Starts))
	for _, v := range p.Starts {
		data = binary.LittleEndian.AppendUint64(data, uint64(v))
	}
	size := func(declared int32) int32 {
		if declared == 0 {
			return int32(len(data))
		}
		return declared
	}
	values := p.NumValues
	if values == 0 {
		values = int32(len(p.Starts))
	}
	var h enc
	h.begin()
	h.field(1, tI32).int(0) // DATA_PAGE
	h.field(2, tI32).int(int64(size(p.Uncompressed)))
	h.field(3, tI32).int(int64(size(p.Compressed)))
	h.field(5, tStruct).begin()
	h.field(1, tI32).int(int64(values))
	h.field(2, tI32).int(0) // PLAIN
	h.field(3, tI32).int(3) // RLE
	h.field(4, tI32).int(3)
	h.end()
	h.end()

	file := append([]byte("PAR1"), h.b...)
	file = append(file, data...)
	chunk := int64(len(h.b) + len(data))
	rows := int64(len(p.Starts))

	var m enc
	m.begin()
	m.field(1, tI32).int(1)
	m.field(2, tList).list(tStruct, 2)
	m.begin()
	m.field(4, tBinary).binary("schema")
	m.field(5, tI32).int(1)
	m.end()
	m.begin()
	m.field(1, tI32).int(2) // INT64
	m.field(3, tI32).int(0) // REQUIRED
	m.field(4, tBinary).binary("start")
	m.end()
	m.field(3, tI64).int(rows)
	m.field(4, tList).list(tStruct, 1)
	m.begin() // row group
	m.field(1, tList).list(tStruct, 1)
	m.begin() // column chunk
	m.field(2, tI64).int(4)
	m.field(3, tStruct).begin()
	m.field(1, tI32).int(2)
	m.field(2, tList).list(tI32, 1)
	m.int(0)
	m.field(3, tList).list(tBinary, 1)
	m.binary("start")
	m.field(4, tI32).int(0) // UNCOMPRESSED
	m.field(5, tI64).int(int64(values))
	m.field(6, tI64).int(chunk)
	m.field(7, tI64).int(chunk)
	m.field(9, tI64).int(4)
	m.end()
	m.end()
	m.field(2, tI64).int(chunk)
	m.field(3, tI64).int(rows)
	m.end()
	m.end()

	file = append(file, m.b...)
	file = binary.LittleEndian.AppendUint32(file, uint32(len(m.b)))
	return append(file, "PAR1"...)
}

const (
	tI32    = 5
	tI64    = 6
	tBinary = 8
	tList   = 9
	tStruct = 12
)

// enc writes the Thrift compact protocol.
type enc struct {
	b    []byte
	last []int16 // the last field id of each open struct
}

func (e *enc) begin() { e.last = append(e.last, 0) }

func (e *enc) end() {
	e.b = append(e.b, 0)
	e.last = e.last[:len(e.last)-1]
}

func (e *enc) field(id int16, typ byte) *enc {
	last := &e.last[len(e.last)-1]
	if d := id - *last; d > 0 && d <= 15 {
		e.b = append(e.b, byte(d)<<4|typ)
	} else {
		e.b = append(e.b, typ)
		e.int(int64(id))
	}
	*last = id
	return e
}

func (e *enc) int(v int64) { e.b = binary.AppendUvarint(e.b, uint64(v<<1^v>>63)) }

func (e *enc) binary(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *enc) list(elem byte, n int) {
	if n < 15 {
		e.b = append(e.b, byte(n)<<4|elem)
		return
	}
	e.b = append(e.b, 0xf0|elem)
	e.b = binary.AppendUvarint(e.b, uint64(n))
}
