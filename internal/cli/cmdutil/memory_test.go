package cmdutil

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1": 1, "512MiB": 512 << 20, "512M": 512 << 20, "2GiB": 2 << 30, "2gb": 2_000_000_000,
		"1.5GB": 1_500_000_000, "64 KiB": 64 << 10, "100kb": 100_000, "3T": 3 << 40, "7B": 7,
	} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"":       "not a size: want a number",
		"MiB":    "not a size: want a number",
		"12x":    `unknown unit "x"`,
		"0":      "at least 1 byte",
		"0.1":    "at least 1 byte",
		"1e3":    `unknown unit "e3"`,
		"1.2.3":  "not a size: want a number",
		"9999TB": "", // fits
		"9e9TiB": `unknown unit "e9TiB"`,
		"-5MiB":  "not a size: want a number",
	} {
		_, err := ParseByteSize(in)
		if msg == "" {
			if err != nil {
				t.Errorf("ParseByteSize(%q): %v", in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseByteSize(%q) = %v, want an error with %q", in, err, msg)
		}
	}
}

// A size either parses to at least one byte or fails with a message that
// quotes it; a plain number of bytes is itself.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"1", "512MiB", "1.5GB", " 3 t", "0", "x", "1e400", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("error %q does not name the input %q", err, s)
			}
			return
		}
		if n < 1 {
			t.Fatalf("ParseByteSize(%q) = %d", s, n)
		}
		if u, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && u != n && u < 1<<53 {
			t.Fatalf("ParseByteSize(%q) = %d, want %d", s, n, u)
		}
	})
}
