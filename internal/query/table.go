package query

import (
	"net/netip"

	"github.com/flowlog/flowlog/internal/record"
)

// groupTable is one worker's groups. Aggregation spends its time looking
// keys up in a table of tens of thousands of groups, so each kind of table
// is laid out for few cache misses: see fixedKeyTable and addrTable.
type groupTable interface {
	// add adds a record to its group. It always returns true, which lets
	// it serve as the visitor of a read.
	add(r *record.Record) bool
	// merge adds the groups of other, a table of the same kind.
	merge(other groupTable)
	// rows lists every group.
	rows() []groupRow
}

// groupRow is one group of a table: its sums and its key, as an address
// for an addrTable and encoded by appendGroupKey for the others.
type groupRow struct {
	sums *groupSums
	addr netip.Addr // addrTable: the (masked) address; invalid for "-"
	key  string     // other tables
}

// newGroupTable returns the kind of table that suits keys: an addrTable for
// one address, a fixedKeyTable when the encoded keys together always fit
// in fixedKeyLen bytes (ids never do: their length is unbounded), and a
// stringKeyTable for any other keys.
func newGroupTable(keys []GroupKey) groupTable {
	size := 0
	for _, k := range keys {
		switch k.Field.Kind() {
		case record.KindAddr:
			size += 18
		case record.KindText:
			size += fixedKeyLen + 1 // unbounded
		case record.KindAction, record.KindStatus:
			size += 2
		default:
			size += 9
		}
	}
	if len(keys) == 1 && keys[0].Field.Kind() == record.KindAddr {
		return &addrTable{key: keys[0], mask: maskOf(keys[0].Bits4, keys[0].Bits6)}
	}
	if size <= fixedKeyLen {
		return &fixedKeyTable{keys: keys}
	}
	return &stringKeyTable{keys: keys, index: map[string]*groupSums{}}
}

// decode returns the row's key values.
func (row groupRow) decode(keys []GroupKey) []KeyValue {
	if row.key != "" {
		return decodeGroupKey(row.key, keys)
	}
	// An addrTable's row: one address key.
	if !row.addr.IsValid() {
		return []KeyValue{{}}
	}
	bits := keys[0].Bits6
	if row.addr.Is4() {
		bits = keys[0].Bits4
	}
	return []KeyValue{{Present: true, Addr: netip.PrefixFrom(row.addr, bits)}}
}
