// Package timespec owns the times and durations people type on the command
// line: --since, --until, --older-than and --from all read them the same way.
package timespec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Parse reads a --since/--until value: an RFC 3339 time (a date alone,
// 2026-11-25, is midnight UTC), unix seconds, or a duration back from now
// such as 90m, 6h, 7d or 1w2d. Times without a zone are UTC.
func Parse(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time")
	}
	if isDigits(s) {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || len(s) > 11 {
			return time.Time{}, fmt.Errorf("invalid unix time %q", s)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	if d, err := parseDuration(s); err == nil {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use RFC 3339 (2026-11-25T08:00:00Z), unix seconds, or a duration back from now (90m, 6h, 7d)", s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseDuration extends time.ParseDuration with d (24h) and w (7d).
func parseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		if i == 0 || j == i {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			day := 24 * time.Hour
			if unit == "w" {
				day *= 7
			}
			total += time.Duration(n * float64(day))
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, fmt.Errorf("invalid duration %q", s)
			}
			total += d
		}
	}
	if total <= 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	return total, nil
}

// ParseDuration reads a duration as people type it: Go's units (90s, 10m,
// 1h30m) plus d (24h) and w (7d). It is the interval of a time/DURATION
// group key.
func ParseDuration(s string) (time.Duration, error) {
	return parseDuration(strings.TrimSpace(s))
}
