// Package simulate writes realistic flow log objects exactly as the service
// writes them: one gzip-compressed object of version-2 records per
// 10-minute window with traffic, under the key "[prefix/]<name>-<unix>.log.gz".
//
// The output is meant for trying the tool and for benchmarks, so it is
// deterministic (the same Config gives byte-identical objects) and its
// traffic has the shape real questions need. Two shapes are on offer (see
// Traffic): by default a few top talkers among tens of thousands of peers,
// heavy-tailed flow sizes, rejects aimed at admin ports, IPv6, ICMP,
// NODATA/SKIPDATA lines and the odd window without an object; or an
// interface facing the internet, probed all day by scanners and visited by
// clients from everywhere, with about as many distinct peers as records.
package simulate

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/pgzip"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
)

// DefaultRecordsPerObject is used when Config.RecordsPerObject is 0.
const DefaultRecordsPerObject = 2000

// MaxRecordsPerObject bounds Config.RecordsPerObject: a whole compressed
// object is held in memory before it is stored.
const MaxRecordsPerObject = 10_000_000

// Window is the service's rotation: one object per flow log per window.
// Windows start at unix seconds divisible by its length.
const Window = 10 * time.Minute

const windowSeconds = int64(Window / time.Second)

// Traffic names a shape of simulated traffic.
type Traffic string

const (
	// TrafficDefault is a server in a private network that also talks to
	// the internet: most flows come from a few hundred peers among tens of
	// thousands, and a few top talkers carry most of the bytes.
	TrafficDefault Traffic = "default"
	// TrafficInternet is a web server's interface facing the internet:
	// scanners sweep its ports and clients come from everywhere, so a day
	// of records holds over a third as many distinct source addresses as
	// records, IPv6 ones with random interface identifiers. It has no
	// windows without traffic.
	TrafficInternet Traffic = "internet"
)

// Traffics are the shapes Config.Traffic takes, the default first.
var Traffics = []Traffic{TrafficDefault, TrafficInternet}

// Config describes the flow log to simulate and the period to cover.
type Config struct {
	Name        string // flow log name: the first part of every object key
	Prefix      string // optional key prefix, one segment
	InterfaceID string // UUID of the NIC or another token; derived from Seed when ""
	AccountID   string // derived from Seed when ""

	// Direction selects which flows are logged: INGRESS only those towards
	// the interface's addresses, EGRESS only those from them. "" means
	// BIDIRECTIONAL, the service's default.
	Direction flowlog.Direction
	// Action selects the firewall verdicts logged. "" means ALL, the
	// service's default. NODATA and SKIPDATA lines are written regardless.
	Action flowlog.Action

	// From and Duration give the period [From, From+Duration). Objects cover
	// whole 10-minute windows; every record lies inside both its window and
	// the period, so a period that is not aligned gets partial first and
	// last windows with proportionally fewer records.
	From     time.Time
	Duration time.Duration

	// RecordsPerObject is the typical number of records in a full window;
	// each window varies it by up to ±10%. 0 means DefaultRecordsPerObject.
	RecordsPerObject int

	// Traffic is the shape of the traffic; "" means TrafficDefault.
	Traffic Traffic

	Seed int64
}

// Summary counts what Run stored.
type Summary struct {
	Objects int
	Records int       // including NODATA/SKIPDATA lines
	Bytes   int64     // compressed, as stored
	First   time.Time // earliest record start (UTC); zero when no objects
	Last    time.Time // latest record end (UTC); zero when no objects
}

// Compression settings. Objects are a few hundred KB to a few MB of text;
// 256 KB blocks let pgzip compress even a default-sized object on several
// cores while the next text is generated, and the 16 KB dictionary it
// carries between blocks keeps the size within 0.1% of 1 MB blocks
// (measured). The block size is fixed, not derived from the machine,
// because it decides the output bytes; the number of blocks in flight does
// not.
const (
	gzipBlockSize = 256 << 10
	writeChunk    = 64 << 10 // text handed to the compressor at a time
)

// Run puts the objects of every window of the period that has traffic into
// store, in time order, and reports what it wrote. It stops at the first
// error from the store or when ctx is done; objects already written stay.
// Of the store it uses only Put, from one goroutine. Each object is held
// whole in memory first, which gives Put its known length and a body it
// can retry, while memory stays bounded by the size of one object.
//
// Each object's key carries the time the service would have written it: the
// end of its window plus a small deterministic delay of 1 to 9 seconds (the
// service's own example key, webserver01-1629810635, is not aligned to a
// window either). A window's object depends only on the Config and the
// window, not on the rest of the period, so a longer period with the same
// seed extends a shorter one with the same objects.
func Run(ctx context.Context, cfg Config, store objstore.Store) (Summary, error) {
	var sum Summary
	cfg, err := cfg.normalize()
	if err != nil {
		return sum, err
	}
	g := newGenerator(cfg)

	// Records carry whole seconds: the period holds the seconds s with
	// From <= s < From+Duration.
	from, until := ceilUnix(cfg.From), ceilUnix(cfg.From.Add(cfg.Duration))
	first := floorDiv(from, windowSeconds) * windowSeconds

	var (
		body bytes.Buffer
		text = make([]byte, 0, writeChunk+512)
		gz   = pgzip.NewWriter(&body)
	)
	minStart, maxEnd := int64(0), int64(0)
	for ws := first; ws < until; ws += windowSeconds {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		lo, hi := max(ws, from), min(ws+windowSeconds, until)
		if lo >= hi {
			continue // a period shorter than a second, inside one
		}
		w, ok := g.startWindow(ws, lo, hi, cfg.RecordsPerObject)
		if !ok {
			continue
		}

		body.Reset()
		gz.Reset(&body)
		if err := gz.SetConcurrency(gzipBlockSize, runtime.GOMAXPROCS(0)); err != nil {
			return sum, err
		}
		written := time.Unix(w.written, 0).UTC()
		gz.ModTime = written

		text = text[:0]
		for i := range w.records {
			text = g.appendRecord(text, &w, i)
			text = append(text, '\n')
			if len(text) >= writeChunk {
				if _, err := gz.Write(text); err != nil {
					return sum, fmt.Errorf("compress: %w", err)
				}
				text = text[:0]
			}
		}
		if _, err := gz.Write(text); err != nil {
			return sum, fmt.Errorf("compress: %w", err)
		}
		if err := gz.Close(); err != nil {
			return sum, fmt.Errorf("compress: %w", err)
		}

		key := flowlog.ObjectKey(cfg.Prefix, cfg.Name, written)
		if err := store.Put(ctx, key, bytes.NewReader(body.Bytes()), int64(body.Len())); err != nil {
			return sum, fmt.Errorf("put %s: %w", key, err)
		}
		if sum.Objects == 0 || w.minStart < minStart {
			minStart = w.minStart
		}
		maxEnd = max(maxEnd, w.maxEnd)
		sum.Objects++
		sum.Records += w.records
		sum.Bytes += int64(body.Len())
	}
	if sum.Objects > 0 {
		sum.First = time.Unix(minStart, 0).UTC()
		sum.Last = time.Unix(maxEnd, 0).UTC()
	}
	return sum, nil
}

// normalize fills in defaults and rejects what would produce objects the
// service could not have written. Every error is a *flowlog.ValidationError
// whose Field is the flag-like name of the value, so the CLI can treat it as
// a usage error.
func (cfg Config) normalize() (Config, error) {
	bad := func(field, value, reason string) error {
		return &flowlog.ValidationError{Field: field, Value: value, Reason: reason}
	}
	if err := flowlog.ValidateName(cfg.Name); err != nil {
		return cfg, err
	}
	if cfg.Prefix != "" {
		if strings.HasSuffix(cfg.Prefix, "/") {
			return cfg, bad("prefix", cfg.Prefix, "give it without the trailing '/'")
		}
		if err := flowlog.ValidatePrefix(cfg.Prefix); err != nil {
			return cfg, err
		}
	}
	switch cfg.Direction {
	case "":
		cfg.Direction = flowlog.Bidirectional
	case flowlog.Ingress, flowlog.Egress, flowlog.Bidirectional:
	default:
		return cfg, bad("direction", string(cfg.Direction), "want INGRESS, EGRESS or BIDIRECTIONAL")
	}
	switch cfg.Action {
	case "":
		cfg.Action = flowlog.All
	case flowlog.Accepted, flowlog.Rejected, flowlog.All:
	default:
		return cfg, bad("action", string(cfg.Action), "want ACCEPTED, REJECTED or ALL")
	}
	switch {
	case cfg.From.IsZero():
		return cfg, bad("from", "", "the start of the period is not set")
	case cfg.From.Before(time.Unix(0, 0)):
		return cfg, bad("from", cfg.From.UTC().Format(time.RFC3339), "must not be before 1970")
	}
	if cfg.Duration <= 0 {
		return cfg, bad("duration", cfg.Duration.String(), "must be positive")
	}
	switch cfg.Traffic {
	case "":
		cfg.Traffic = TrafficDefault
	case TrafficDefault, TrafficInternet:
	default:
		return cfg, bad("traffic", string(cfg.Traffic), "want default or internet")
	}
	switch {
	case cfg.RecordsPerObject == 0:
		cfg.RecordsPerObject = DefaultRecordsPerObject
	case cfg.RecordsPerObject < 0 || cfg.RecordsPerObject > MaxRecordsPerObject:
		return cfg, bad("records-per-object", strconv.Itoa(cfg.RecordsPerObject),
			fmt.Sprintf("want 1 to %d", MaxRecordsPerObject))
	}
	if cfg.InterfaceID == "" {
		cfg.InterfaceID = defaultInterfaceID(cfg.Seed)
	}
	if cfg.AccountID == "" {
		cfg.AccountID = defaultAccountID(cfg.Seed)
	}
	for _, f := range []struct{ field, v string }{{"interface", cfg.InterfaceID}, {"account", cfg.AccountID}} {
		if !isToken(f.v) {
			return cfg, bad(f.field, f.v, "must be one word of printable characters, not \"-\"")
		}
	}
	cfg.From = cfg.From.UTC()
	return cfg, nil
}

// isToken reports whether s can be written as one field of a record line.
func isToken(s string) bool {
	if s == "" || s == "-" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() != 0 {
		s++
	}
	return s
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
