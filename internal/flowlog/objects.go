package flowlog

import (
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
)

// Objects names a set of flow log objects in a store: the objects of one
// flow log (Name set), or of every flow log under a folder of the store.
// Query, fetch, prune, retention and delete all take their objects in this
// form, whether the store is a bucket or a local folder.
type Objects struct {
	Store objstore.Store
	// Prefix is the folder, without slashes at either end; "" is the top
	// of the store.
	Prefix string
	// Name, if set, is one flow log whose objects lie directly in Prefix;
	// "" is every flow log object under Prefix.
	Name string
}

// ObjectsOf are the objects fl writes into store (its bucket).
func ObjectsOf(fl FlowLog, store objstore.Store) Objects {
	return Objects{Store: store, Prefix: fl.Prefix, Name: fl.Name}
}

// KeyPrefix is the start of every key of the objects: "web/web01-" for a
// flow log, "web/" or "" for a folder.
func (o Objects) KeyPrefix() string {
	if o.Name != "" {
		return ObjectKeyPrefix(o.Prefix, o.Name)
	}
	if o.Prefix == "" {
		return ""
	}
	return o.Prefix + "/"
}

// String names the objects as a pattern for messages:
// "s3://my-logs/web/web01-*", or "./logs/*" for a folder.
func (o Objects) String() string {
	s := o.KeyPrefix() + "*"
	if o.Store == nil {
		return s
	}
	return o.Store.String() + "/" + s
}

// Holds reports whether key is the key of one of the objects, and the time
// it carries. Keys that are not flow log objects ("[prefix/]name-<unix
// seconds>.log.gz") are never held; with Name set, nor are the keys of
// another flow log whose name begins the same way.
func (o Objects) Holds(key string) (time.Time, bool) {
	prefix, name, t, ok := ParseObjectKey(key)
	if !ok {
		return time.Time{}, false
	}
	if o.Name != "" {
		return t, name == o.Name && prefix == o.Prefix
	}
	if o.Prefix != "" && prefix != o.Prefix {
		return time.Time{}, false
	}
	return t, true
}

// ObjectsURL names the objects fl writes as a pattern in its bucket:
// "s3://my-logs/web/web01-*".
func (f FlowLog) ObjectsURL() string {
	return "s3://" + f.Bucket + "/" + Objects{Prefix: f.Prefix, Name: f.Name}.String()
}
