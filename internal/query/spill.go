package query

import (
	"fmt"
	"os"
	"unsafe"
)

// spillFile is where a table past its share of the memory budget writes
// its groups: one run each time, every partition's entries as they lie in
// its chunks, one partition after the other. The file is removed as soon as
// it is created where the system allows (it lives on, nameless, until it is
// closed), so that nothing is left behind even when the process is killed;
// elsewhere close removes it.
type spillFile struct {
	f      *os.File
	remove string // the name close removes, when removing it early failed
	size   int64
	runs   [][numPartitions]segment
}

// segment is where a run holds a partition's entries: from off, n bytes.
type segment struct {
	off, n int64
}

func newSpillFile(dir string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, "flowlog-spill-*")
	if err != nil {
		return nil, fmt.Errorf("spilling groups past the memory budget: %w", err)
	}
	sf := &spillFile{f: f}
	if os.Remove(f.Name()) != nil {
		sf.remove = f.Name()
	}
	return sf, nil
}

// spillAll writes every partition of t to its spill file as one run and
// empties them, keeping their indexes (cleared) and their chunks (in the
// pool) for the groups to come. An error stops the table (see add).
func (t *groupTable) spillAll() {
	if t.spill == nil {
		sf, err := newSpillFile(t.tempDir)
		if err != nil {
			t.err = err
			return
		}
		t.spill = sf
	}
	sf := t.spill
	var run [numPartitions]segment
	for i := range t.parts {
		p := &t.parts[i]
		if p.used == 0 {
			continue
		}
		run[i].off = sf.size
		for _, c := range p.chunks {
			if len(c) == 0 {
				continue
			}
			n, err := sf.f.Write(unsafe.Slice((*byte)(unsafe.Pointer(&c[0])), len(c)*8))
			sf.size += int64(n)
			if err != nil {
				t.err = fmt.Errorf("spilling groups past the memory budget: %w", err)
				return
			}
		}
		run[i].n = sf.size - run[i].off
		p.empty(&t.pool)
	}
	sf.runs = append(sf.runs, run)
}

// read returns the entries of segment s, in buf when it is large enough.
func (sf *spillFile) read(s segment, buf []uint64) ([]uint64, error) {
	n := int(s.n / 8)
	if cap(buf) < n {
		buf = make([]uint64, n)
	}
	buf = buf[:n]
	if n == 0 {
		return buf, nil
	}
	if _, err := sf.f.ReadAt(unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), s.n), s.off); err != nil {
		return nil, fmt.Errorf("reading back groups spilled past the memory budget: %w", err)
	}
	return buf, nil
}

// close closes and removes the file.
func (sf *spillFile) close() {
	sf.f.Close()
	if sf.remove != "" {
		os.Remove(sf.remove)
	}
}
