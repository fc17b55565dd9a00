package cmdutil

import (
	"strings"
	"time"
	_ "time/tzdata" // --tz works where the system has no zone database
)

// ParseZone reads --tz: an IANA zone name, Local, UTC or a fixed offset
// (+02:00, -0530). "" is UTC.
func ParseZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nil
	}
	if name[0] == '+' || name[0] == '-' {
		for _, layout := range []string{"-07:00", "-0700", "-07"} {
			if t, err := time.Parse(layout, name); err == nil {
				_, offset := t.Zone()
				return time.FixedZone(name, offset), nil
			}
		}
		return nil, UsageErrorf("--tz %q: an offset is written +02:00 or -0530", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, UsageErrorf("--tz %q: not a time zone: use a name such as Europe/Berlin, UTC, Local or an offset such as +02:00", name)
	}
	return loc, nil
}
