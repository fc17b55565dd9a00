package report

import (
	"strconv"
	"time"

	"github.com/flowlog/flowlog/internal/output"
)

// metricText formats a value of a metric: bytes as sizes, the rest as
// counts, as tables for people show them (internal/output).
func metricText(bytes bool, v uint64) string {
	if bytes {
		return output.SizeText(v)
	}
	return output.CountText(v)
}

// percentText is part of whole as a percentage: "12.5%", "<0.1%".
func percentText(part, whole uint64) string {
	if whole == 0 {
		return "–"
	}
	p := 100 * float64(part) / float64(whole)
	switch {
	case part == 0:
		return "0%"
	case p < 0.1:
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// timeText is a time in loc as RFC 3339 without seconds noise: "2026-11-24
// 13:40 UTC" (the zone's abbreviation, or its offset).
func timeText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(location(loc))
	layout := "2006-01-02 15:04"
	if t.Second() != 0 {
		layout = "2006-01-02 15:04:05"
	}
	return t.Format(layout) + " " + zoneText(t)
}

// zoneText names t's zone: its abbreviation when it has a name, else its
// offset.
func zoneText(t time.Time) string {
	name, _ := t.Zone()
	if name == "" || name[0] == '+' || name[0] == '-' {
		return t.Format("-07:00")
	}
	return name
}

func location(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// durationText is an interval as people say it: "10 min", "1 h", "7 d".
func durationText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + " d"
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + " h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	}
	return d.String()
}
