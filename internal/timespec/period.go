package timespec

import (
	"fmt"
	"strings"
	"time"
)

// Period is a window of time: records ending at or after Since and
// starting at or before Until. A zero Until is open-ended (now).
type Period struct {
	Since, Until time.Time
}

// ParsePeriod reads a window as people name one (flowlog diff --base and
// --compare):
//
//	today, yesterday               the UTC day, to now or to its last second
//	last 1h, last 7d, last hour    that long back from now (hour, day, week)
//	2026-11-25                     that whole UTC day
//	FROM..TO                       each as --since takes it: 2h..1h,
//	                               2026-11-25T08:00Z..2026-11-25T09:00Z
//	TIME                           as --since takes it, to now: 6h, 2026-11-25T08:00:00Z
func ParsePeriod(s string, now time.Time) (Period, error) {
	s = strings.TrimSpace(s)
	now = now.UTC()
	midnight := now.Truncate(24 * time.Hour)
	lower := strings.ToLower(s)
	switch lower {
	case "":
		return Period{}, fmt.Errorf("empty window")
	case "today":
		return Period{Since: midnight, Until: now}, nil
	case "yesterday":
		return Period{Since: midnight.Add(-24 * time.Hour), Until: midnight.Add(-time.Second)}, nil
	}
	if rest, ok := strings.CutPrefix(lower, "last "); ok {
		rest = strings.TrimSpace(rest)
		switch rest {
		case "hour":
			rest = "1h"
		case "day":
			rest = "1d"
		case "week":
			rest = "1w"
		}
		d, err := parseDuration(rest)
		if err != nil {
			return Period{}, fmt.Errorf("invalid window %q: after \"last\" comes a duration such as 1h, 7d or hour, day, week", s)
		}
		return Period{Since: now.Add(-d), Until: now}, nil
	}
	if from, to, ok := strings.Cut(s, ".."); ok {
		since, err := Parse(from, now)
		if err != nil {
			return Period{}, fmt.Errorf("window %q: start: %v", s, err)
		}
		until, err := Parse(to, now)
		if err != nil {
			return Period{}, fmt.Errorf("window %q: end: %v", s, err)
		}
		if until.Before(since) {
			return Period{}, fmt.Errorf("window %q ends before it starts", s)
		}
		return Period{Since: since, Until: until}, nil
	}
	if day, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		return Period{Since: day, Until: day.Add(24*time.Hour - time.Second)}, nil
	}
	since, err := Parse(s, now)
	if err != nil {
		return Period{}, fmt.Errorf("invalid window %q: use today, yesterday, last 1h, a date (2026-11-25), FROM..TO, or a time as --since takes it", s)
	}
	if since.After(now) {
		return Period{}, fmt.Errorf("window %q starts after now", s)
	}
	return Period{Since: since, Until: now}, nil
}
