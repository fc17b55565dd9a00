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
	return b
}
