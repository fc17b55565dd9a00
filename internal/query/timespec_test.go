package query

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1587983051", time.Unix(1587983051, 0)},
		{"2026-11-25T08:00:00Z", time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)},
		{"2026-11-25T09:00:00+01:00", time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)},
		{"2026-11-25T08:00:00", time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)},
		{"2026-11-25", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)},
		{"90m", now.Add(-90 * time.Minute)},
		{"6h", now.Add(-6 * time.Hour)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"1w2d", now.Add(-9 * 24 * time.Hour)},
		{"1h30m", now.Add(-90 * time.Minute)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-5h", "7x", "2026-13-01", "123456789012345"} {
		if _, err := ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
