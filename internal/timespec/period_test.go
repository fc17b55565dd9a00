package timespec

import (
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		in           string
		since, until string
		err          string
	}{
		{"today", "2026-11-25T00:00:00Z", "2026-11-25T10:30:00Z", ""},
		{"Yesterday", "2026-11-24T00:00:00Z", "2026-11-24T23:59:59Z", ""},
		{"last 1h", "2026-11-25T09:30:00Z", "2026-11-25T10:30:00Z", ""},
		{"last hour", "2026-11-25T09:30:00Z", "2026-11-25T10:30:00Z", ""},
		{"last 2d", "2026-11-23T10:30:00Z", "2026-11-25T10:30:00Z", ""},
		{"LAST week", "2026-11-18T10:30:00Z", "2026-11-25T10:30:00Z", ""},
		{"2026-11-20", "2026-11-20T00:00:00Z", "2026-11-20T23:59:59Z", ""},
		{"2h..1h", "2026-11-25T08:30:00Z", "2026-11-25T09:30:00Z", ""},
		{"2026-11-25T08:00:00Z..2026-11-25T09:00:00Z", "2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z", ""},
		{"6h", "2026-11-25T04:30:00Z", "2026-11-25T10:30:00Z", ""},
		{"", "", "", "empty window"},
		{"last", "", "", "invalid window"},
		{"last fortnight", "", "", "after \"last\" comes a duration"},
		{"1h..2h", "", "", "ends before it starts"},
		{"x..1h", "", "", "start: invalid time"},
		{"2027-01-01T00:00:00Z", "", "", "starts after now"},
		{"soon", "", "", "use today, yesterday"},
	} {
		p, err := ParsePeriod(tc.in, now)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePeriod(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !p.Since.Equal(at(tc.since)) || !p.Until.Equal(at(tc.until)) {
			t.Errorf("ParsePeriod(%q) = %v..%v, %v; want %s..%s", tc.in, p.Since, p.Until, err, tc.since, tc.until)
		}
	}
}

// FuzzParsePeriod checks that a window never panics, never ends before it
// starts, and that its start is what --since reads for the same text when
// the text is a plain time.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"today", "yesterday", "last 1h", "last week", "2026-11-20", "2h..1h", "6h", "1w2d..1d", "x..", ".."} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s, now)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if p.Until.Before(p.Since) {
			t.Fatalf("ParsePeriod(%q) = %v..%v: ends before it starts", s, p.Since, p.Until)
		}
		if p.Since.Location() != time.UTC || p.Until.Location() != time.UTC {
			t.Fatalf("ParsePeriod(%q): not UTC", s)
		}
	})
}
