package flowlog

import (
	"testing"
	"time"
)

func TestObjectsHolds(t *testing.T) {
	tests := []struct {
		objs Objects
		key  string
		want bool
	}{
		{Objects{Name: "web"}, "web-1629810635.log.gz", true},
		{Objects{Name: "web"}, "web-1-1629810635.log.gz", false}, // flow log "web-1"
		{Objects{Name: "web"}, "logs/web-1629810635.log.gz", false},
		{Objects{Prefix: "logs", Name: "web"}, "logs/web-1629810635.log.gz", true},
		{Objects{Prefix: "logs"}, "logs/db-1629810635.log.gz", true},
		{Objects{Prefix: "logs"}, "other/db-1629810635.log.gz", false},
		{Objects{}, "other/db-1629810635.log.gz", true},
		{Objects{}, "notes.txt", false},
		{Objects{}, "a/b/db-1629810635.log.gz", false},
	}
	for _, tt := range tests {
		at, ok := tt.objs.Holds(tt.key)
		if ok != tt.want {
			t.Errorf("%+v.Holds(%q) = %v, want %v", tt.objs, tt.key, ok, tt.want)
		}
		if ok && !at.Equal(time.Unix(1629810635, 0)) {
			t.Errorf("%+v.Holds(%q) time = %v", tt.objs, tt.key, at)
		}
	}
}

func TestObjectsKeyPrefix(t *testing.T) {
	for objs, want := range map[Objects]string{
		{}:                             "",
		{Prefix: "web"}:                "web/",
		{Name: "web01"}:                "web01-",
		{Prefix: "web", Name: "web01"}: "web/web01-",
	} {
		if got := objs.KeyPrefix(); got != want {
			t.Errorf("%+v.KeyPrefix() = %q, want %q", objs, got, want)
		}
		if got := objs.String(); got != want+"*" {
			t.Errorf("%+v.String() = %q, want %q", objs, got, want+"*")
		}
	}
}
