package query

import (
	"math/bits"
	"unsafe"

	"github.com/flowlog/flowlog/internal/record"
)

// addrTable groups by one address, the commonest question (top talkers).
// Groups live in an open-addressing table whose slots hold the address and
// its sums side by side, one cache line a slot, so a lookup touches one
// line; with tens of thousands of talkers, a map from address to an index
// into a slice of sums cost two cache misses a record.
type addrTable struct {
	key    GroupKey
	mask   addrMask
	groups addrSlotTable
	absent *groupSums // records without the address

	// Records wait here to be added in batches (see flush), with the
	// slots where their search starts.
	batch  [addrBatch]queuedRecord
	homes  [addrBatch]int
	queued int
}

// addrBatch is how many records an addrTable adds at once.
const addrBatch = 32

// queuedRecord is one record waiting to be added: its key and its sums.
type queuedRecord struct {
	key  addrKey
	sums groupSums
}

func (t *addrTable) add(r *record.Record) bool {
	a := r.SrcAddr
	switch t.key.Field {
	case record.SrcAddr:
	case record.DstAddr:
		a = r.DstAddr
	default:
		a, _ = r.Addr(t.key.Field)
	}
	if !r.Has(t.key.Field) {
		if t.absent == nil {
			t.absent = &groupSums{}
		}
		t.absent.add(r)
		return true
	}
	// Fill the batch entry in place: building it on the stack and copying
	// it stalled on the partial stores (a store-forwarding failure per
	// record).
	e := &t.batch[t.queued]
	e.key = addrKeyOf(a, t.mask)
	e.sums.flows, e.sums.packets, e.sums.bytes = 1, r.Packets, r.Bytes
	e.sums.first, e.sums.last = r.Start, r.End
	if len(t.groups.slots) > 0 {
		// By the time the batch is added its slot has arrived.
		h := t.groups.home(e.key)
		t.homes[t.queued] = h
		prefetch(unsafe.Pointer(&t.groups.slots[h]))
	}
	if t.queued++; t.queued == addrBatch {
		t.flush()
	}
	return true
}

// flush adds the queued records. With tens of thousands of talkers most
// lookups miss the cache; add asked for each record's home slot when it
// queued the record, so the misses of a batch overlap with the parsing of
// the lines after it instead of stalling one record at a time.
func (t *addrTable) flush() {
	queued := t.batch[:t.queued]
	t.queued = 0
	if t.groups.reserve(len(queued)) {
		// The table grew: the homes add found are out of date.
		for i := range queued {
			t.homes[i] = t.groups.home(queued[i].key)
		}
	}
	for i := range queued {
		t.groups.find(queued[i].key, t.homes[i]).merge(&queued[i].sums)
	}
}

func (t *addrTable) merge(other groupTable) {
	o := other.(*addrTable)
	t.flush()
	o.flush()
	if o.absent != nil {
		if t.absent == nil {
			t.absent = &groupSums{}
		}
		t.absent.merge(o.absent)
	}
	// Fold the smaller table into the larger, with room for all of it made
	// first. Both tables place a key by the same hash, so the other's slots
	// come in the order of their home slots here; inserted into a table
	// with fewer slots than keys arriving per slot, linear probing would
	// build one ever longer run, and each insert would walk it (a merge of
	// a million groups took most of a group-by's time).
	if o.groups.used > t.groups.used {
		t.groups, o.groups = o.groups, t.groups
	}
	t.groups.reserve(o.groups.used)
	for i := range o.groups.slots {
		if s := &o.groups.slots[i]; s.key.family != 0 {
			t.groups.find(s.key, t.groups.home(s.key)).merge(&s.sums)
		}
	}
}

func (t *addrTable) rows() []groupRow {
	t.flush()
	rows := make([]groupRow, 0, t.groups.used+1)
	if t.absent != nil {
		rows = append(rows, groupRow{sums: t.absent})
	}
	for i := range t.groups.slots {
		if s := &t.groups.slots[i]; s.key.family != 0 {
			rows = append(rows, groupRow{sums: &s.sums, addr: s.key.addr()})
		}
	}
	return rows
}

// addrSlotTable maps address keys to their sums, with linear probing in a
// power-of-two table kept at most three quarters full.
type addrSlotTable struct {
	slots []addrSlot
	used  int
	shift uint // 64 - log2(len(slots)), for Fibonacci hashing
}

// addrSlot is one slot, 64 bytes: a key and its sums. A table of them is
// a large allocation, which starts at a page, so every slot is one cache
// line.
type addrSlot struct {
	key  addrKey
	sums groupSums
}

// home is the slot where the search for k starts.
func (t *addrSlotTable) home(k addrKey) int {
	return int((k.lo ^ k.hi*0x2545f4914f6cdd1d) * 0x9e3779b97f4a7c15 >> t.shift)
}

// reserve grows the table, if need be, to take n more groups. It reports
// whether it grew.
func (t *addrSlotTable) reserve(n int) bool {
	grew := false
	for 4*(t.used+n) > 3*len(t.slots) {
		t.grow()
		grew = true
	}
	return grew
}

// get returns the sums of k, adding an empty group the first time.
func (t *addrSlotTable) get(k addrKey) *groupSums {
	t.reserve(1)
	return t.find(k, t.home(k))
}

// find is get for a table with room reserved for k, searching from home,
// k's home slot.
func (t *addrSlotTable) find(k addrKey, home int) *groupSums {
	mask := len(t.slots) - 1
	for i := home; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key.family == 0 {
			s.key = k
			t.used++
			return &s.sums
		}
		if s.key == k {
			return &s.sums
		}
	}
}

func (t *addrSlotTable) grow() {
	old := t.slots
	size := max(2*len(old), 1024)
	t.slots = make([]addrSlot, size)
	// Write the new memory before the first read: a fresh page read first
	// maps the kernel's zero page, and the write after it then costs a
	// copy-on-write fault that flushes the TLB of every CPU running this
	// process (2% of a group-by in a profile).
	clear(t.slots)
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
	t.used = 0
	for i := range old {
		if old[i].key.family != 0 {
			*t.get(old[i].key) = old[i].sums
		}
	}
}
