package parquetio

import (
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
