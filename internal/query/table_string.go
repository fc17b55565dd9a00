package query

import "github.com/flowlog/flowlog/internal/record"

// stringKeyTable holds keys of any length, such as interface ids.
type stringKeyTable struct {
	keys  []GroupKey
	index map[string]*groupSums
	buf   []byte
}

func (t *stringKeyTable) add(r *record.Record) bool {
	t.buf = appendGroupKey(t.buf[:0], t.keys, r)
	a := t.index[string(t.buf)]
	if a == nil {
		a = &groupSums{}
		t.index[string(t.buf)] = a
	}
	a.add(r)
	return true
}

func (t *stringKeyTable) merge(other groupTable) {
	for k, a := range other.(*stringKeyTable).index {
		if b := t.index[k]; b != nil {
			b.merge(a)
			continue
		}
		t.index[k] = a
	}
}

func (t *stringKeyTable) rows() []groupRow {
	rows := make([]groupRow, 0, len(t.index))
	for k, a := range t.index {
		rows = append(rows, groupRow{sums: a, key: k})
	}
	return rows
}
