package query

import "github.com/flowlog/flowlog/internal/record"

// fixedKeyLen bounds the keys a fixedKeyTable holds inline.
const fixedKeyLen = 40

// fixedKeyTable keys groups by their encoding, zero-padded to a fixed size;
// the encoding of every field is self-delimiting, so padding never makes
// two keys equal. The map holds no pointers and its entries stay small:
// the sums live in a dense slice, beside the encoded key of each group.
type fixedKeyTable struct {
	keys  []GroupKey
	index map[[fixedKeyLen]byte]int32
	sums  []groupSums
	names []string // the encoded key of each group
	buf   []byte
}

func (t *fixedKeyTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	t.get(t.buf).add(r)
	return true
}

// get returns the sums of the group with encoded key name, adding the
// group the first time.
func (t *fixedKeyTable) get(name []byte) *groupSums {
	var k [fixedKeyLen]byte
	copy(k[:], name)
	i, ok := t.index[k]
	if !ok {
		if t.index == nil {
			t.index = map[[fixedKeyLen]byte]int32{}
		}
		i = int32(len(t.sums))
		t.index[k] = i
		t.sums = append(t.sums, groupSums{})
		t.names = append(t.names, string(name))
	}
	return &t.sums[i]
}

func (t *fixedKeyTable) merge(other groupTable) {
	o := other.(*fixedKeyTable)
	for i, name := range o.names {
		t.get([]byte(name)).merge(&o.sums[i])
	}
}

func (t *fixedKeyTable) rows() []groupRow {
	rows := make([]groupRow, len(t.sums))
	for i := range t.sums {
		rows[i] = groupRow{sums: &t.sums[i], key: t.names[i]}
	}
	return rows
}
