package report

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
)

// maxPoints bounds the points of a series: intervals grow until the
// window fits, so a chart keeps bars a reader can tell apart.
const maxPoints = 200

// intervals are the lengths a series may use, each a multiple of the ones
// before it that divide it, all aligned to UTC.
var intervals = []time.Duration{
	time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 7 * 24 * time.Hour,
}

// Series is traffic per interval, with every interval from the first to
// the last present (zeros where nothing started).
type Series struct {
	Interval time.Duration
	Points   []Point
}

// Point is one interval of a series.
type Point struct {
	Start              time.Time
	Accepted, Rejected Sums
	IPv4, IPv6         Sums
}

// fineInterval is the interval the pass counts in: the longest that still
// gives maxPoints over the window, when the window or the objects' times
// tell how long it is, else the 10 minutes the service writes objects in.
// The series is coarsened after the pass if the records span longer.
func fineInterval(since, until time.Time, inputs []query.Input) time.Duration {
	first, last := since, until
	if first.IsZero() || last.IsZero() {
		for _, in := range inputs {
			_, _, t, ok := flowlog.ParseObjectKey(path.Base(filepath.ToSlash(in.Name)))
			if !ok {
				continue
			}
			if since.IsZero() && (first.IsZero() || t.Before(first)) {
				first = t
			}
			if until.IsZero() && t.After(last) {
				last = t
			}
		}
	}
	if first.IsZero() || last.IsZero() || !last.After(first) {
		return 10 * time.Minute
	}
	return intervalFor(last.Sub(first))
}

// intervalFor is the shortest interval that covers span in maxPoints.
func intervalFor(span time.Duration) time.Duration {
	for _, d := range intervals {
		if span/d < maxPoints {
			return d
		}
	}
	return intervals[len(intervals)-1]
}

// seriesBuilder sums groups keyed by a time into intervals.
type seriesBuilder struct {
	fine   int64 // seconds
	points map[int64]*Point
}

func newSeriesBuilder(fine time.Duration) *seriesBuilder {
	return &seriesBuilder{fine: int64(fine / time.Second), points: map[int64]*Point{}}
}

func (b *seriesBuilder) point(kv query.KeyValue) *Point {
	if !kv.Present {
		return nil
	}
	t := int64(kv.Num)
	t -= ((t % b.fine) + b.fine) % b.fine
	p := b.points[t]
	if p == nil {
		p = &Point{Start: time.Unix(t, 0).UTC()}
		b.points[t] = p
	}
	return p
}

// addActions adds groups keyed by time and action.
func (b *seriesBuilder) addActions(groups []query.Group, totals *Totals) error {
	for _, g := range groups {
		var sums, total *Sums
		p := b.point(g.Key[0])
		switch g.Key[1].Text {
		case record.Accept.String():
			total = &totals.Accepted
			if p != nil {
				sums = &p.Accepted
			}
		case record.Reject.String():
			total = &totals.Rejected
			if p != nil {
				sums = &p.Rejected
			}
		default:
			continue
		}
		total.add(g)
		if sums != nil {
			sums.add(g)
		}
		if first := unixTime(g.FirstStart); !first.IsZero() && (totals.First.IsZero() || first.Before(totals.First)) {
			totals.First = first
		}
		if last := unixTime(g.LastEnd); last.After(totals.Last) {
			totals.Last = last
		}
	}
	return nil
}

// addFamily adds groups keyed by time alone, of one IP version.
func (b *seriesBuilder) addFamily(groups []query.Group, family int, total *Sums) error {
	for _, g := range groups {
		total.add(g)
		p := b.point(g.Key[0])
		if p == nil {
			continue
		}
		switch family {
		case 4:
			p.IPv4.add(g)
		case 6:
			p.IPv6.add(g)
		default:
			return fmt.Errorf("IP version %d", family)
		}
	}
	return nil
}

// finish returns the series in time order, in the shortest interval that
// fits the records' span in maxPoints, with empty intervals present.
func (b *seriesBuilder) finish() Series {
	if len(b.points) == 0 {
		return Series{Interval: time.Duration(b.fine) * time.Second}
	}
	starts := make([]int64, 0, len(b.points))
	for t := range b.points {
		starts = append(starts, t)
	}
	slices.Sort(starts)
	first, last := starts[0], starts[len(starts)-1]
	step := b.fine
	for _, d := range intervals {
		s := int64(d / time.Second)
		if s < b.fine || s%b.fine != 0 {
			continue
		}
		step = s
		if (last-first)/s < maxPoints {
			break
		}
	}
	floor := func(t int64) int64 { return t - ((t%step)+step)%step }
	first = floor(first)
	points := make([]Point, (floor(last)-first)/step+1)
	for i := range points {
		points[i].Start = time.Unix(first+int64(i)*step, 0).UTC()
	}
	for _, t := range starts {
		p, q := &points[(floor(t)-first)/step], b.points[t]
		p.Accepted.merge(q.Accepted)
		p.Rejected.merge(q.Rejected)
		p.IPv4.merge(q.IPv4)
		p.IPv6.merge(q.IPv6)
	}
	return Series{Interval: time.Duration(step) * time.Second, Points: points}
}

func (s *Sums) merge(o Sums) {
	s.Flows += o.Flows
	s.Packets += o.Packets
	s.Bytes += o.Bytes
}
