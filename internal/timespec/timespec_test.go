package timespec

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
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
		got, err := Parse(tt.in, now)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-5h", "7x", "2026-13-01", "123456789012345"} {
		if _, err := Parse(bad, now); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

// FuzzParse holds Parse to what it promises for any text: UTC times, and a
// duration back from now when the text is one.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1587983051", "2026-11-25", "2026-11-25T08:00:00+01:00", "90m", "1w2d", "1.5h", "-", "7", ""} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s, now)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("Parse(%q) = %v, not UTC", s, got)
		}
		if d, derr := parseDuration(s); derr == nil && !isDigits(s) {
			if _, terr := time.Parse("2006-01-02", s); terr == nil {
				return
			}
			if want := now.Add(-d).UTC(); !got.Equal(want) {
				t.Fatalf("Parse(%q) = %v, want now - %v = %v", s, got, d, want)
			}
		}
	})
}
