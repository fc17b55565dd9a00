package parquetio

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestKeySpan(t *testing.T) {
	hour := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for _, tc := range []struct {
		key      string
		from, to string
		ok       bool
	}{
		{"flowlog=web01/date=2026-11-24/hour=13/part-x.parquet", "2026-11-24T13:00:00Z", "2026-11-24T14:00:00Z", true},
		{"lake/flowlog=a=b/date=2026-11-24/hour=00/p.parquet", "2026-11-24T00:00:00Z", "2026-11-24T01:00:00Z", true},
		{"flowlog=web01/date=2026-11-24/x.parquet", "2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z", true},
		{"AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2026/month=02/day=28/hour=23/f.log.parquet",
			"2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z", true},
		{"year=2026/month=2/day=30/f.parquet", "", "", false},
		{"flowlog=web01/date=2026-13-01/hour=01/p.parquet", "", "", false},
		{"flowlog=web01/date=2026-11-24/hour=24/p.parquet", "", "", false},
		{"flowlog=web01/date=2026-11-24/hour=-1/p.parquet", "", "", false},
		{"date=2026-11-24", "", "", false}, // the file name is not a folder
		{"web/web01-1629810635.log.gz", "", "", false},
	} {
		from, to, ok := KeySpan(tc.key)
		if ok != tc.ok || ok && (!from.Equal(hour(tc.from)) || !to.Equal(hour(tc.to))) {
			t.Errorf("KeySpan(%q) = %v, %v, %v; want %s, %s, %v", tc.key, from, to, ok, tc.from, tc.to, tc.ok)
		}
	}
}

// FuzzKeySpan: any key gives no span or a span of an hour or a day; the
// folder of a partition gives back its hour.
func FuzzKeySpan(f *testing.F) {
	f.Add("flowlog=web01/date=2026-11-24/hour=13/part-x.parquet", int64(1795568400))
	f.Add("year=2026/month=11/day=24/hour=7/x", int64(0))
	f.Add("date=0000-01-01/hour=00/x", int64(-62135596800))
	f.Fuzz(func(t *testing.T, key string, start int64) {
		if from, to, ok := KeySpan(key); ok {
			if d := to.Sub(from); d != time.Hour && d != 24*time.Hour {
				t.Errorf("KeySpan(%q) spans %v", key, d)
			}
		}
		if start < 0 || start > 253402300799 { // years 1970 to 9999
			return
		}
		p := PartitionOf("web01", start)
		from, to, ok := KeySpan(p.Dir() + "/part.parquet")
		if !ok || from.Unix() > start || to.Unix() <= start {
			t.Errorf("partition %s of start %d: span %v, %v, %v", p.Dir(), start, from, to, ok)
		}
	})
}

// partitionKey writes the key of a file in the partition of time p, in one
// of the layouts KeySpan reads, with its numbers zero-padded or not.
func partitionKey(base string, layout int, pad bool, p time.Time) string {
	num := func(name string, n, width int) string {
		if pad {
			return fmt.Sprintf("%s=%0*d/", name, width, n)
		}
		return fmt.Sprintf("%s=%d/", name, n)
	}
	switch layout % 3 {
	case 0:
		return base + "date=" + p.Format(time.DateOnly) + "/" + num("hour", p.Hour(), 2) + "part-1.parquet"
	case 1:
		return base + num("year", p.Year(), 4) + num("month", int(p.Month()), 2) + num("day", p.Day(), 2) + num("hour", p.Hour(), 2) + "f.parquet"
	}
	return base + num("year", p.Year(), 4) + num("month", int(p.Month()), 2) + num("day", p.Day(), 2) + "f.parquet"
}

func TestPartitionSeek(t *testing.T) {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for _, tc := range []struct {
		key, t, want, end string
	}{
		{"lake/flowlog=web/date=2025-11-01/hour=13/part-1.parquet", "2026-06-01T06:30:00Z",
			"lake/flowlog=web/date=2026-06-01/hour=06", "lake/flowlog=web/date=:"},
		{"flowlog=web/date=2025-11-01/hour=13/part-1.parquet", "2026-06-01T00:10:00Z",
			"flowlog=web/date=2026-06-01/hour=0", "flowlog=web/date=:"},
		{"AWSLogs/aws-region=x/year=2026/month=2/day=3/f.parquet", "2026-11-24T13:00:00Z",
			"AWSLogs/aws-region=x/year=2026/month=11/day=24", "AWSLogs/aws-region=x/year=:"},
		{"flowlog=web/date=2025-11-01/x/hour=13/part-1.parquet", "2026-06-01T06:30:00Z", "", ""}, // a folder between
		{"web/web01-1629810635.log.gz", "2026-06-01T06:30:00Z", "", ""},
	} {
		got, ok := PartitionSeek(tc.key, at(tc.t))
		end, _, endOK := PartitionsEnd(tc.key)
		if got != tc.want || ok != (tc.want != "") || end != tc.end || endOK != (tc.end != "") {
			t.Errorf("PartitionSeek(%q, %s) = %q, %v; PartitionsEnd = %q, %v; want %q, %q", tc.key, tc.t, got, ok, end, endOK, tc.want, tc.end)
		}
	}
}

// FuzzPartitionSeek: in every layout, padded or not, no key of a partition
// at or after the time sorts before where PartitionSeek starts, every key
// sorts before PartitionsEnd and no key between them starts before the
// time it gives, and where the layout pads, every key of an earlier
// partition sorts before the seek.
func FuzzPartitionSeek(f *testing.F) {
	f.Add("lake/", 0, true, int64(1780293600), int64(1780290000))
	f.Add("", 1, false, int64(1780272000), int64(1780275600))
	f.Add("a=b/", 2, false, int64(1780272000), int64(1780358400))
	f.Fuzz(func(t *testing.T, base string, layout int, pad bool, seek, part int64) {
		const lo, hi = -62135596800 + 86400, 253402300799 - 86400 // years 1 to 9999
		if seek < lo || seek > hi || part < lo || part > hi || layout < 0 {
			return
		}
		if strings.ContainsAny(base, "=") || base != "" && !strings.HasSuffix(base, "/") || strings.Contains(base, "//") || strings.HasPrefix(base, "/") {
			base = ""
		}
		at, p := time.Unix(seek, 0).UTC(), time.Unix(part, 0).UTC()
		key := partitionKey(base, layout, pad, p)
		from, to, ok := KeySpan(key)
		if !ok {
			t.Fatalf("KeySpan(%q) does not read it", key)
		}
		start, ok := PartitionSeek(key, at)
		if !ok {
			t.Fatalf("PartitionSeek(%q, %s) not ok", key, at)
		}
		end, endFrom, endOK := PartitionsEnd(key)
		if to.After(at) && key <= start {
			t.Errorf("%q (from %s) holds records at or after %s but sorts before the seek %q", key, from, at, start)
		}
		if pad && !to.After(at) && key > start {
			t.Errorf("%q ends by %s but sorts after the seek %q", key, at, start)
		}
		if !endOK {
			if layout%3 == 0 || p.Year() >= 1000 {
				t.Errorf("PartitionsEnd(%q) not ok", key)
			}
			return
		}
		if key >= end {
			t.Errorf("%q sorts after the end %q", key, end)
		}
		// A key that sorts between this one and the end starts at or
		// after from, padded or not.
		other := partitionKey(base, layout, pad, at)
		if otherFrom, _, _ := KeySpan(other); other > key && other < end && otherFrom.Before(endFrom) {
			t.Errorf("%q sorts between %q and its end %q but starts at %s, before %s", other, key, end, otherFrom, endFrom)
		}
	})
}
