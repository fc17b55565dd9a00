package query

import (
	"encoding/binary"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/flowlog/flowlog/internal/record"
)

// groupTable holds groups of one aggregation: a worker's, or those the
// workers share (see shared below).
//
// A group-by on internet traffic has about as many groups as records, so
// the table is laid out for that: no Go map and no pointer per group (the
// garbage collector never looks inside it), few bytes a group, and little
// fresh memory touched (on a virtual machine a page touched the first time
// costs more than the lookups in it). Each group is one entry: its sums and
// its encoded key (appendGroupKey), written one after the other into chunks
// of memory that are never moved. An open-addressing index of 8-byte slots
// finds an entry from its key's hash: a slot holds 24 bits of the hash,
// which rule out almost every other key without reading its entry, and
// where the entry is.
//
// The groups are split by hash into numPartitions partitions, each with its
// own index and chunks. A partition grows on its own, so growing never
// copies the whole table; tables of different workers are merged partition
// by partition, in parallel; and past the memory budget every partition is
// written to a spill file as it is and started afresh, to be merged back
// one partition at a time at the end (see spill.go and finish.go).
type groupTable struct {
	keys  []GroupKey
	parts [numPartitions]partition
	pool  chunkPool // its held is the table's memory

	// A worker's table is small, within local bytes: past them it is merged
	// into shared, the table of the aggregation that the workers share,
	// partition by partition, each partition while holding its lock. So
	// a group of few records, as most are on internet traffic, is kept
	// once rather than once a worker, and the merge of a partition is
	// cache-friendly: the partition of the shared table is small.
	shared   *groupTable
	locks    *[numPartitions]sync.Mutex // of a shared table: its partitions'
	merges   sync.RWMutex               // of a shared table: held by a merge, taken by a spill
	next     int                        // the partition the next merge into shared starts at
	local    int64                      // of a worker's table: its bytes, from localBytes up to localMax
	localMax int64

	// share is the memory the table may hold before it spills (0: never).
	share   int64
	tempDir string // where the spill file goes; "" for the system's
	spill   *spillFile
	err     error // the first error writing the spill file; read under merges

	// Records wait here to be added in batches (see flush), after add has
	// asked for the index slot where each one's search starts.
	queued int
	hashes [tableBatch]uint64
	sums   [tableBatch]groupSums
	keyEnd [tableBatch]int32 // queued key i is words[keyEnd[i-1]:keyEnd[i]]
	words  []uint64
	buf    []byte
}

const (
	partitionBits = 8
	numPartitions = 1 << partitionBits

	// tableBatch is how many records a table adds at once.
	tableBatch = 32

	// sumsWords is the size of a groupSums in words, the head of an entry.
	sumsWords = int(unsafe.Sizeof(groupSums{}) / 8)

	// A partition's chunks start small, for tables of a few groups, and
	// double up to maxChunkWords (64 KiB).
	minChunkWords = 64
	maxChunkWords = 8192

	// A slot is tag<<locBits | loc+1; loc is chunk<<chunkShift | word.
	locBits    = 40
	chunkShift = 20
)

// partition is a share of a table's groups: an index and the chunks
// holding the entries.
type partition struct {
	slots  []uint64
	used   int
	chunks [][]uint64
}

// empty removes every group of p, handing its chunks to pool and keeping
// its index, cleared.
func (p *partition) empty(pool *chunkPool) {
	pool.put(p.chunks)
	p.chunks = p.chunks[:0]
	clear(p.slots)
	p.used = 0
}

// A worker's table starts at localBytes and doubles, up to maxLocalBytes,
// while most of the groups it merges into the shared table are there
// already: the workers keep meeting the same groups, too many for their
// tables, and a larger table merges less often.
const (
	localBytes    = 2 << 20
	maxLocalBytes = 16 << 20
)

// newSharedTable returns an empty table for keys that the workers' tables
// (newWorkerTable) are merged into, holding at most share bytes before it
// spills to a file in tempDir (0: never).
func newSharedTable(keys []GroupKey, share int64, tempDir string) *groupTable {
	return &groupTable{keys: keys, locks: new([numPartitions]sync.Mutex), share: share, tempDir: tempDir}
}

// newWorkerTable returns a worker's table for the keys of shared, which
// may grow up to localMax bytes (see localBytes).
func newWorkerTable(shared *groupTable, localMax int64) *groupTable {
	return &groupTable{keys: keysForWorker(shared.keys), shared: shared, local: localBytes, localMax: max(localMax, localBytes)}
}

// close removes what the table spilled.
func (t *groupTable) close() {
	if t.spill != nil {
		t.spill.close()
		t.spill = nil
	}
}

// add adds a record to its group. It returns false only when the table can
// take no more records (its spill file failed: see err), which as the
// visitor of a read stops the read.
func (t *groupTable) add(r *record.Record) bool {
	if t.err != nil {
		return false
	}
	i := t.queued
	from := 0
	if i > 0 {
		from = int(t.keyEnd[i-1])
	}
	t.buf = encodeTableKey(t.buf[:0], t.keys, r)
	t.words = appendKeyWords(t.words[:from], t.buf)
	t.keyEnd[i] = int32(len(t.words))
	h := hashWords(t.words[from:])
	t.hashes[i] = h
	// Fill the batch entry in place: building it on the stack and copying
	// it stalled on the partial stores (a store-forwarding failure per
	// record).
	s := &t.sums[i]
	s.flows, s.packets, s.bytes = 1, r.Packets, r.Bytes
	s.first, s.last = r.Start, r.End
	// By the time the batch is added, the slot has arrived.
	if p := &t.parts[h>>(64-partitionBits)]; len(p.slots) > 0 {
		prefetch(unsafe.Pointer(&p.slots[h&uint64(len(p.slots)-1)]))
	}
	if t.queued++; t.queued == tableBatch {
		t.flush()
	}
	return t.err == nil
}

// flush adds the queued records. With a million groups most lookups miss
// the cache; add asked for each record's slot when it queued the record,
// so the misses of a batch overlap with the parsing of the lines after it
// instead of stalling one record at a time.
func (t *groupTable) flush() {
	// The slots have arrived: ask for the entries they point at, so that
	// those misses overlap too.
	for i := 0; i < t.queued; i++ {
		h := t.hashes[i]
		p := &t.parts[h>>(64-partitionBits)]
		if len(p.slots) == 0 {
			continue
		}
		if s := p.slots[h&uint64(len(p.slots)-1)]; s != 0 && s>>locBits == h>>32&(1<<(64-locBits)-1) {
			loc := s&(1<<locBits-1) - 1
			prefetch(unsafe.Pointer(&p.chunks[loc>>chunkShift][loc&(1<<chunkShift-1)]))
		}
	}
	from := int32(0)
	for i := 0; i < t.queued; i++ {
		h := t.hashes[i]
		key := t.words[from:t.keyEnd[i]]
		from = t.keyEnd[i]
		p := &t.parts[h>>(64-partitionBits)]
		t.mergeWhenFull(p, len(key))
		p.upsert(h, key, &t.pool).merge(&t.sums[i])
	}
	t.queued = 0
	t.words = t.words[:0]
}

// mergeWhenFull merges the worker's table t into the shared one when
// adding an entry of keyWords words to p would take fresh memory past the
// table's size. Memory the pool has is memory the table already holds.
func (t *groupTable) mergeWhenFull(p *partition, keyWords int) {
	grow := p.needsIndex()
	if !grow && !p.needsChunk(keyWords) {
		return
	}
	if (grow || !t.pool.has(sumsWords+keyWords)) && t.pool.held.Load() >= t.local {
		t.mergeIntoShared()
	}
}

// mergeIntoShared moves every group of t into the shared table and
// empties t, keeping its memory for the groups to come. When the shared
// table holds its share, it spills first. A worker merges its partitions
// starting where it stopped last, so that two workers seldom wait for the
// same partition.
func (t *groupTable) mergeIntoShared() {
	s := t.shared
	// At most all of t's memory is added to what s uses.
	full := func() bool { return s.share > 0 && s.pool.inUse()+t.pool.held.Load() > s.share }
	if full() {
		s.merges.Lock()
		if full() && s.err == nil {
			s.spillAll()
		}
		t.err = s.err
		s.merges.Unlock()
		if t.err != nil {
			return
		}
	}
	s.merges.RLock()
	defer s.merges.RUnlock()
	merged, added := 0, 0
	for k := range numPartitions {
		i := (t.next + k) % numPartitions
		p := &t.parts[i]
		if p.used == 0 {
			continue
		}
		merged += p.used
		s.locks[i].Lock()
		before := s.parts[i].used
		for _, chunk := range p.chunks {
			mergeEntries(&s.parts[i], chunk, &s.pool)
		}
		added += s.parts[i].used - before
		s.locks[i].Unlock()
		p.empty(&t.pool)
	}
	t.next = (t.next + numPartitions/2 + 1) % numPartitions
	if 2*added < merged {
		t.local = min(2*t.local, t.localMax)
	}
}

// needsIndex reports whether p's index must grow to take one more entry:
// it is kept at most three quarters full.
func (p *partition) needsIndex() bool {
	return 4*(p.used+1) > 3*len(p.slots)
}

// needsChunk reports whether p's last chunk has no room for an entry of a
// key of keyWords words.
func (p *partition) needsChunk(keyWords int) bool {
	if len(p.chunks) == 0 {
		return true
	}
	last := p.chunks[len(p.chunks)-1]
	return cap(last)-len(last) < sumsWords+keyWords
}

// upsert returns the sums of the group whose key hashes to h,
// adding an empty group the first time; pool serves the chunk and index
// memory it needs.
func (p *partition) upsert(h uint64, key []uint64, pool *chunkPool) *groupSums {
	if p.needsIndex() {
		p.growIndex(pool)
	}
	mask := uint64(len(p.slots) - 1)
	tag := h >> 32 & (1<<(64-locBits) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := p.slots[i]
		if s == 0 {
			loc := p.appendEntry(key, pool)
			p.slots[i] = tag<<locBits | (loc + 1)
			p.used++
			return sumsAt(p.entry(loc))
		}
		if s>>locBits != tag {
			continue
		}
		if e := p.entry(s&(1<<locBits-1) - 1); keyEqual(e[sumsWords:], key) {
			return sumsAt(e)
		}
	}
}

// entry returns the words from entry loc on.
func (p *partition) entry(loc uint64) []uint64 {
	return p.chunks[loc>>chunkShift][loc&(1<<chunkShift-1):]
}

// appendEntry writes an entry of zero sums and key and returns its loc.
func (p *partition) appendEntry(key []uint64, pool *chunkPool) uint64 {
	n := sumsWords + len(key)
	if p.needsChunk(len(key)) {
		p.addChunk(n, pool)
	}
	c := len(p.chunks) - 1
	chunk := p.chunks[c]
	at := len(chunk)
	chunk = chunk[:at+n]
	clear(chunk[at : at+sumsWords])
	copy(chunk[at+sumsWords:], key)
	p.chunks[c] = chunk
	return uint64(c)<<chunkShift | uint64(at)
}

// addChunk starts a chunk with room for at least words words, twice the
// size of the last one up to maxChunkWords, from pool when it has one.
func (p *partition) addChunk(words int, pool *chunkPool) {
	size := minChunkWords
	if n := len(p.chunks); n > 0 {
		size = min(2*cap(p.chunks[n-1]), maxChunkWords)
	}
	p.chunks = append(p.chunks, pool.get(words, max(size, words)))
}

// growIndex doubles p's index and places every entry again, reading the
// chunks in order. pool counts the memory.
func (p *partition) growIndex(pool *chunkPool) {
	old := len(p.slots)
	size := max(2*old, 8)
	pool.held.Add(int64(size-old) * 8)
	p.slots = make([]uint64, size)
	// Write the new memory before the first read: a fresh page read first
	// maps the kernel's zero page, and the write after it then costs a
	// copy-on-write fault.
	clear(p.slots)
	mask := uint64(size - 1)
	for c, chunk := range p.chunks {
		for at := 0; at < len(chunk); {
			key := entryKey(chunk[at+sumsWords:])
			h := hashWords(key)
			i := h & mask
			for p.slots[i] != 0 {
				i = (i + 1) & mask
			}
			p.slots[i] = (h>>32&(1<<(64-locBits)-1))<<locBits | (uint64(c)<<chunkShift | uint64(at)) + 1
			at += sumsWords + len(key)
		}
	}
}

// each calls fn with the sums and the encoded key of every entry of p. The
// key is only valid as long as p keeps its chunks.
func (p *partition) each(fn func(s *groupSums, key string)) {
	for _, chunk := range p.chunks {
		for at := 0; at < len(chunk); {
			e := chunk[at:]
			key := entryKey(e[sumsWords:])
			fn(sumsAt(e), keyString(key))
			at += sumsWords + len(key)
		}
	}
}

// release empties p, handing its chunks to pool and dropping its index.
func (p *partition) release(pool *chunkPool) {
	pool.put(p.chunks)
	pool.held.Add(-int64(len(p.slots)) * 8)
	*p = partition{}
}

// sumsAt returns the sums at the head of entry e.
func sumsAt(e []uint64) *groupSums {
	return (*groupSums)(unsafe.Pointer(&e[0]))
}

// A key in a table is its encoding (appendGroupKey) behind a 3-byte length,
// zero-padded to whole words; the length makes keys of different lengths
// differ in their first word.

// encodeTableKey appends the table form of r's key to dst, in bytes.
func encodeTableKey(dst []byte, keys []GroupKey, r *record.Record) []byte {
	dst = append(dst, 0, 0, 0)
	dst = appendGroupKey(dst, keys, r)
	n := len(dst) - 3
	dst[0], dst[1], dst[2] = byte(n), byte(n>>8), byte(n>>16)
	for len(dst)%8 != 0 {
		dst = append(dst, 0)
	}
	return dst
}

// appendKeyWords appends the table key b, a whole number of words, to w.
func appendKeyWords(w []uint64, b []byte) []uint64 {
	for i := 0; i < len(b); i += 8 {
		w = append(w, binary.LittleEndian.Uint64(b[i:]))
	}
	return w
}

// entryKey returns the key at the start of e.
func entryKey(e []uint64) []uint64 {
	n := int(e[0] & (1<<24 - 1))
	return e[:(3+n+7)/8]
}

// keyString returns the encoded key (appendGroupKey) of table key w,
// sharing its memory.
func keyString(w []uint64) string {
	n := int(w[0] & (1<<24 - 1))
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(&w[0]), 3)), n)
}

func keyEqual(e, key []uint64) bool {
	if e[0] != key[0] {
		return false // the lengths differ, or the first bytes
	}
	for i := 1; i < len(key); i++ {
		if e[i] != key[i] {
			return false
		}
	}
	return true
}

// hashWords hashes a table key.
func hashWords(w []uint64) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for _, x := range w {
		hi, lo := bits.Mul64(h^x, 0x9e3779b97f4a7c15)
		h = hi ^ lo
	}
	hi, lo := bits.Mul64(h, 0xbf58476d1ce4e5b9)
	return hi ^ lo
}

// chunkPool keeps the chunks that emptied partitions no longer need, for
// the next ones: memory already touched is cheaper than fresh memory. It
// counts in held the memory of the partitions it serves: their indexes and
// every chunk it allocated. Workers merging into a shared table share its
// pool.
type chunkPool struct {
	mu        sync.Mutex
	free      [][]uint64
	freeBytes int64 // of the chunks in free
	held      atomic.Int64
}

// inUse is the memory held and not free in the pool.
func (cp *chunkPool) inUse() int64 {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.held.Load() - cp.freeBytes
}

// has reports whether the pool can serve a chunk of words words.
func (cp *chunkPool) has(words int) bool {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	n := len(cp.free)
	return n > 0 && cap(cp.free[n-1]) >= words
}

// get returns an empty chunk with room for at least words words: a kept
// one, else a new one of size words.
func (cp *chunkPool) get(words, size int) []uint64 {
	cp.mu.Lock()
	if n := len(cp.free); n > 0 && cap(cp.free[n-1]) >= words {
		chunk := cp.free[n-1]
		cp.free = cp.free[:n-1]
		cp.freeBytes -= int64(cap(chunk)) * 8
		cp.mu.Unlock()
		return chunk[:0]
	}
	cp.mu.Unlock()
	cp.held.Add(int64(size) * 8)
	return make([]uint64, 0, size)
}

func (cp *chunkPool) put(chunks [][]uint64) {
	cp.mu.Lock()
	cp.free = append(cp.free, chunks...)
	for _, c := range chunks {
		cp.freeBytes += int64(cap(c)) * 8
	}
	cp.mu.Unlock()
}
