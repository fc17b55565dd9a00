package report

import (
	"math"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/query"
)

// rotation is how often the service writes an object of a flow log that
// saw traffic.
const rotation = 10 * time.Minute

// FlowLogGaps are the objects of one flow log (a name in a folder or
// prefix) and the 10-minute windows between them without one.
type FlowLogGaps struct {
	FlowLog        string // folder/name, as the inputs name it
	Objects        int
	First, Last    time.Time // the times in the first and last keys
	MissingWindows int
	Missing        []Span
}

// Span is a stretch of time without objects.
type Span struct {
	From, To time.Time
	Windows  int // 10-minute windows without an object in it
}

// objectGaps finds the windows without an object from the times in the
// inputs' names: between two objects whose times are d apart,
// round(d/10m)−1 windows have none. Before the first and after the last
// object, windows count only when the report's window bounds them, and
// only whole ones: the window being written now is not a gap. Inputs that
// are not flow log objects (a file of another name, standard input) have
// no part in it.
func objectGaps(inputs []query.Input, since, until time.Time) []FlowLogGaps {
	times := map[string][]time.Time{}
	var order []string
	for _, in := range inputs {
		name := filepath.ToSlash(in.Name)
		_, fl, t, ok := flowlog.ParseObjectKey(path.Base(name))
		if !ok {
			continue
		}
		id := path.Join(path.Dir(name), fl)
		if _, seen := times[id]; !seen {
			order = append(order, id)
		}
		times[id] = append(times[id], t)
	}
	var all []FlowLogGaps
	for _, id := range order {
		ts := times[id]
		slices.SortFunc(ts, time.Time.Compare)
		g := FlowLogGaps{FlowLog: id, Objects: len(ts), First: ts[0], Last: ts[len(ts)-1]}
		add := func(from, to time.Time, windows int) {
			if windows > 0 {
				g.Missing = append(g.Missing, Span{From: from, To: to, Windows: windows})
				g.MissingWindows += windows
			}
		}
		if !since.IsZero() && ts[0].After(since) {
			add(since, ts[0], int(ts[0].Sub(since)/rotation)-1)
		}
		for i := 1; i < len(ts); i++ {
			d := ts[i].Sub(ts[i-1])
			add(ts[i-1], ts[i], int(math.Round(float64(d)/float64(rotation)))-1)
		}
		if !until.IsZero() && until.After(g.Last) {
			add(g.Last, until, int(until.Sub(g.Last)/rotation))
		}
		all = append(all, g)
	}
	return all
}
