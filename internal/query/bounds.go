package query

import (
	"strings"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// Bounds are the conditions of the spec that every kept record meets and
// that Parquet statistics can check: the time window and --action. The
// filter combines its parts with AND, so skipping what fails one of them
// never loses a record; --where is left to the filter.
func (s Spec) Bounds() parquetio.Bounds {
	var b parquetio.Bounds
	if !s.Since.IsZero() {
		b.Since = s.Since.Unix()
	}
	if !s.Until.IsZero() {
		b.Until = s.Until.Unix()
	}
	for _, a := range s.Actions {
		switch strings.ToUpper(strings.TrimSpace(a)) {
		case "ACCEPT", "ACCEPTED":
			b.Actions = append(b.Actions, record.Accept)
		case "REJECT", "REJECTED":
			b.Actions = append(b.Actions, record.Reject)
		default:
			return parquetio.Bounds{Since: b.Since, Until: b.Until} // Plan refuses it anyway
		}
	}
	// Exact when the filter is what the bounds alone compile to: no other
	// flag and no --where narrows it, whatever flags there are.
	all, err1 := s.filter()
	only, err2 := Spec{Actions: s.Actions, Since: s.Since, Until: s.Until}.filter()
	b.Exact = err1 == nil && err2 == nil && (all == nil) == (only == nil) &&
		(all == nil || all.String() == only.String())
	return b
}
