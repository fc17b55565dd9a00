package query

import (
	"strings"
	"sync"
)

// groupRow is one group of the finished tables: its sums and its key,
// encoded by appendGroupKey.
type groupRow struct {
	sums *groupSums
	key  string

	// back, for a conversation, is the server-to-client share of sums,
	// which then hold both directions (see foldConversations).
	back *groupSums
}

// decode returns the row's key values.
func (row groupRow) decode(keys []GroupKey) []KeyValue {
	return decodeGroupKey(row.key, keys)
}

// finishTables merges the tables of one aggregation (the workers' and the
// one they share) with what they spilled, one partition at a
// time on workers goroutines, and returns their rows: with top 0 every
// group, rows that share the tables' memory; else the top groups in the
// order of compare, copied out, so that no more than a partition's groups
// are ever merged at once and no row is made for the others.
func finishTables(tables []*groupTable, workers, top int, compare func(x, y groupRow) int) ([]groupRow, error) {
	if len(tables) == 0 {
		return nil, nil
	}
	for _, t := range tables {
		t.flush()
		if t.err != nil {
			return nil, t.err
		}
	}
	workers = max(1, min(workers, numPartitions))
	keepers := make([]topKeeper, workers)
	all := make([][]groupRow, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var pool chunkPool
			var buf []uint64
			keep := &keepers[w]
			keep.top, keep.compare = top, compare
			for p := w; p < numPartitions; p += workers {
				merged, err := mergePartition(tables, p, &pool, &buf)
				if err != nil {
					errs[w] = err
					return
				}
				if top == 0 {
					merged.each(func(s *groupSums, key string) {
						all[w] = append(all[w], groupRow{sums: s, key: key})
					})
					continue
				}
				merged.each(keep.offer)
				merged.release(&pool)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if top == 0 {
		n := 0
		for _, rows := range all {
			n += len(rows)
		}
		rows := make([]groupRow, 0, n)
		for _, r := range all {
			rows = append(rows, r...)
		}
		return rows, nil
	}
	var rows []groupRow
	for _, k := range keepers {
		rows = append(rows, k.rows...)
	}
	return topN(rows, top, compare), nil
}

// mergePartition merges partition p of every table and everything the
// tables spilled of it into the largest of them, which it returns; the
// others are released to pool. buf holds a spilled run's share while it is
// merged.
func mergePartition(tables []*groupTable, p int, pool *chunkPool, buf *[]uint64) (*partition, error) {
	into := &tables[0].parts[p]
	for _, t := range tables[1:] {
		if t.parts[p].used > into.used {
			into = &t.parts[p]
		}
	}
	for _, t := range tables {
		from := &t.parts[p]
		if from == into || from.used == 0 {
			continue
		}
		for _, chunk := range from.chunks {
			mergeEntries(into, chunk, pool)
		}
		from.release(pool)
	}
	for _, t := range tables {
		if t.spill == nil {
			continue
		}
		for _, run := range t.spill.runs {
			words, err := t.spill.read(run[p], *buf)
			if err != nil {
				return nil, err
			}
			mergeEntries(into, words, pool)
			*buf = words
		}
	}
	return into, nil
}

// mergeEntries adds the entries laid out one after another in words, as
// in a chunk, to p.
func mergeEntries(p *partition, words []uint64, pool *chunkPool) {
	for at := 0; at < len(words); {
		e := words[at:]
		key := entryKey(e[sumsWords:])
		p.upsert(hashWords(key), key, pool).merge(sumsAt(e))
		at += sumsWords + len(key)
	}
}

// topKeeper keeps the top rows offered to it, copied out of the tables, in
// a heap whose first row is the last of those kept.
type topKeeper struct {
	top     int
	compare func(x, y groupRow) int
	rows    []groupRow
}

func (k *topKeeper) offer(s *groupSums, key string) {
	row := groupRow{sums: s, key: key}
	if len(k.rows) == k.top {
		if k.compare(row, k.rows[0]) >= 0 {
			return
		}
		k.rows[0] = copyRow(row)
		k.down(0)
		return
	}
	k.rows = append(k.rows, copyRow(row))
	for i := len(k.rows) - 1; i > 0; {
		parent := (i - 1) / 2
		if k.compare(k.rows[i], k.rows[parent]) <= 0 {
			break
		}
		k.rows[i], k.rows[parent] = k.rows[parent], k.rows[i]
		i = parent
	}
}

// down moves row i down the heap to its place.
func (k *topKeeper) down(i int) {
	for {
		last := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(k.rows) && k.compare(k.rows[c], k.rows[last]) > 0 {
				last = c
			}
		}
		if last == i {
			return
		}
		k.rows[i], k.rows[last] = k.rows[last], k.rows[i]
		i = last
	}
}

// copyRow returns row with its own sums and key, outside any table.
func copyRow(row groupRow) groupRow {
	s := *row.sums
	return groupRow{sums: &s, key: strings.Clone(row.key)}
}
