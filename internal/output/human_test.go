package output

import (
	"math"
	"testing"
)

func TestHumanNumbers(t *testing.T) {
	sizes := []struct {
		b            uint64
		decimal, iec string
	}{
		{0, "0 B", "0 B"},
		{9, "9 B", "9 B"},
		{10, "10 B", "10 B"},
		{999, "999 B", "999 B"},
		{1000, "1.0 kB", "1000 B"},
		{1024, "1.0 kB", "1.0 KiB"},
		{1500, "1.5 kB", "1.5 KiB"},
		{9949, "9.9 kB", "9.7 KiB"},
		{9950, "10 kB", "9.7 KiB"},
		{999_499, "999 kB", "976 KiB"},
		{999_500, "1.0 MB", "976 KiB"}, // not "1000 kB"
		{1_048_575, "1.0 MB", "1.0 MiB"},
		{27 << 20, "28 MB", "27 MiB"},
		{1_800_000_000, "1.8 GB", "1.7 GiB"},
		{math.MaxUint64, "18 EB", "16 EiB"},
	}
	for _, c := range sizes {
		if got := SizeText(c.b); got != c.decimal {
			t.Errorf("SizeText(%d) = %q, want %q", c.b, got, c.decimal)
		}
		if got := BinarySizeText(c.b); got != c.iec {
			t.Errorf("BinarySizeText(%d) = %q, want %q", c.b, got, c.iec)
		}
	}
	counts := []struct {
		n    uint64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1 k"}, {1050, "1 k"}, {1099, "1 k"}, {1100, "1.1 k"},
		{12_345, "12.3 k"}, {999_999, "999.9 k"}, {1_000_000, "1 M"}, {4_100_000, "4.1 M"},
		{math.MaxUint64, "18.4 E"},
	}
	for _, c := range counts {
		if got := CountText(c.n); got != c.want {
			t.Errorf("CountText(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := Thousands(int64(1_377_108)); got != "1,377,108" {
		t.Errorf("Thousands(1377108) = %q", got)
	}
	if got := Thousands(-300); got != "-300" {
		t.Errorf("Thousands(-300) = %q", got)
	}
	if got := Thousands(int64(math.MinInt64)); got != "-9,223,372,036,854,775,808" {
		t.Errorf("Thousands(MinInt64) = %q", got)
	}
	if got := Thousands(uint64(math.MaxUint64)); got != "18,446,744,073,709,551,615" {
		t.Errorf("Thousands(MaxUint64) = %q", got)
	}
	if got := Thousands(123_456); got != "123,456" {
		t.Errorf("Thousands(123456) = %q", got)
	}
}
