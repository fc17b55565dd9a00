package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
)

// testPutIf checks the conditions of a ConditionalPutter: create only when
// absent, replace only with the current tag. A store without conditional
// writes skips it.
func testPutIf(t *testing.T, s objstore.Store) {
	cp, ok := s.(objstore.ConditionalPutter)
	if !ok {
		t.Skip("no conditional writes")
	}
	ctx := t.Context()
	put := func(body, ifMatch string) (string, error) {
		return cp.PutIf(ctx, "lock/a", bytes.NewReader([]byte(body)), int64(len(body)), ifMatch)
	}
	read := func() string {
		t.Helper()
		rc, err := s.Open(ctx, "lock/a")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	if _, err := cp.Tag(ctx, "lock/a"); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Tag of a missing key = %v, want ErrNotFound", err)
	}
	if _, err := put("x", "some-tag"); !errors.Is(err, objstore.ErrPrecondition) {
		t.Fatalf("PutIf(ifMatch) of a missing key = %v, want ErrPrecondition", err)
	}
	tag1, err := put("one", "")
	if err != nil {
		t.Fatalf("PutIf create: %v", err)
	}
	if _, err := put("two", ""); !errors.Is(err, objstore.ErrPrecondition) {
		t.Fatalf("PutIf create over an object = %v, want ErrPrecondition", err)
	}
	if got := read(); got != "one" {
		t.Fatalf("after a refused create the object holds %q, want %q", got, "one")
	}
	if tag, err := cp.Tag(ctx, "lock/a"); err != nil || tag != tag1 {
		t.Fatalf("Tag = %q, %v; want %q, the tag PutIf returned", tag, err, tag1)
	}
	tag2, err := put("three", tag1)
	if err != nil {
		t.Fatalf("PutIf with the current tag: %v", err)
	}
	if tag2 == tag1 {
		t.Fatalf("new content kept the tag %q", tag1)
	}
	if _, err := put("four", tag1); !errors.Is(err, objstore.ErrPrecondition) {
		t.Fatalf("PutIf with an old tag = %v, want ErrPrecondition", err)
	}
	if got := read(); got != "three" {
		t.Fatalf("after a refused replace the object holds %q, want %q", got, "three")
	}
	if err := s.Delete(ctx, []string{"lock/a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := put("five", tag2); !errors.Is(err, objstore.ErrPrecondition) {
		t.Fatalf("PutIf(ifMatch) after a delete = %v, want ErrPrecondition", err)
	}
	var keys []string
	s.List(ctx, "lock/", "", func(o objstore.Object) error { keys = append(keys, o.Key); return nil })
	if len(keys) != 0 {
		t.Fatalf("refused writes left %q", keys)
	}
}

// testPutIfRace has writers race to create a key, then to replace it with
// the same tag: exactly one of each wins.
func testPutIfRace(t *testing.T, s objstore.Store) {
	cp, ok := s.(objstore.ConditionalPutter)
	if !ok {
		t.Skip("no conditional writes")
	}
	ctx := t.Context()
	const writers = 8
	race := func(ifMatch string) (wins int, tag string) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				body := fmt.Sprintf("writer %d over %q", i, ifMatch)
				got, err := cp.PutIf(ctx, "race", bytes.NewReader([]byte(body)), int64(len(body)), ifMatch)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
					tag = got
				case !errors.Is(err, objstore.ErrPrecondition):
					t.Errorf("writer %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		return wins, tag
	}
	wins, tag := race("")
	if wins != 1 {
		t.Fatalf("%d writers created the key, want 1", wins)
	}
	if wins, _ := race(tag); wins != 1 {
		t.Fatalf("%d writers replaced the key with the same tag, want 1", wins)
	}
}
