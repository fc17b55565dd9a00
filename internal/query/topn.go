package query

import "slices"

// topN returns the top rows in the order of compare, all of them when top
// is 0. A small top is selected in one pass, keeping the best so far in
// order, rather than by sorting tens of thousands of groups.
func topN(rows []groupRow, top int, compare func(x, y groupRow) int) []groupRow {
	if top <= 0 || top > 64 || len(rows) <= top {
		slices.SortFunc(rows, compare)
		if top > 0 && len(rows) > top {
			rows = rows[:top]
		}
		return rows
	}
	kept := make([]groupRow, 0, top+1)
	for _, row := range rows {
		if len(kept) == top && compare(row, kept[top-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(kept, row, compare)
		kept = slices.Insert(kept, i, row)
		if len(kept) > top {
			kept = kept[:top]
		}
	}
	return kept
}
