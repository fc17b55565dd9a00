package cmdutil

import (
	"strings"
	"testing"
	"time"
)

func TestParseZone(t *testing.T) {
	tests := []struct {
		in, want string // want: the offset at 2026-11-24 12:00 UTC, or an error
	}{
		{"", "+0000"},
		{"UTC", "+0000"},
		{"Europe/Berlin", "+0100"},
		{"America/New_York", "-0500"},
		{"+02:00", "+0200"},
		{"-0530", "-0530"},
		{"+5", "error"},
		{"Mars/Olympus", "error"},
	}
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		loc, err := ParseZone(tt.in)
		got := "error"
		if err == nil {
			if loc == nil {
				loc = time.UTC
			}
			got = at.In(loc).Format("-0700")
		} else if !strings.Contains(err.Error(), "--tz") {
			t.Errorf("ParseZone(%q) error %q does not name --tz", tt.in, err)
		}
		if got != tt.want {
			t.Errorf("ParseZone(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"UTC", "Europe/Berlin", "+02:00", "-0530", "Local", "../../etc/passwd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := ParseZone(s); err != nil && !strings.Contains(err.Error(), "--tz") {
			t.Fatalf("ParseZone(%q): error %q does not name --tz", s, err)
		}
	})
}
