package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/miniotest"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
)

// TestDeleteOffersToDeleteObjects runs delete as on a terminal against a
// real MinIO: after the flow log is gone, flowlog offers to delete its
// objects, and does only on a yes.
func TestDeleteOffersToDeleteObjects(t *testing.T) {
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "flowlogs")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("FLOWLOG_ENDPOINT", srv.Endpoint)
	t.Setenv("FLOWLOG_REGION", miniotest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	db := filepath.Join(t.TempDir(), "flowlog.db")
	store, err := s3store.New(context.Background(), srv.Config("flowlogs"))
	if err != nil {
		t.Fatal(err)
	}
	put := func(keys ...string) {
		for _, k := range keys {
			if err := store.Put(context.Background(), k, bytes.NewReader([]byte("data")), 4); err != nil {
				t.Fatal(err)
			}
		}
	}
	keys := func() []string {
		var ks []string
		store.List(context.Background(), "", "", func(o objstore.Object) error { ks = append(ks, o.Key); return nil })
		return ks
	}
	create := func(name string, nic string) {
		t.Helper()
		code, _, stderr := runCLI(t, db, false, "", "create", "--nic", nic, "--bucket", "flowlogs/web", "--name", name)
		if code != 0 {
			t.Fatalf("create %s: exit %d: %s", name, code, stderr)
		}
	}

	create("web01", "7ffd6527-ce80-4e57-a949-f9a45824ebe2")
	create("web02", "8ffd6527-ce80-4e57-a949-f9a45824ebe2")
	put("web/web01-1600000000.log.gz", "web/web01-1600000600.log.gz", "web/notes.txt",
		"web/web02-1600000000.log.gz", "web/web01-b-1600000000.log.gz")

	// No to the objects: they stay, and flowlog says so.
	code, _, stderr := runCLI(t, db, true, "y\nn\n", "delete", "web02")
	if code != 0 || !strings.Contains(stderr, "also delete its 1 object (4 B) now? [y/N]") ||
		!strings.Contains(stderr, "objects already written stay in the bucket: s3://flowlogs/web/web02-*") {
		t.Fatalf("answer n: exit %d, stderr:\n%s", code, stderr)
	}
	// Yes to the objects: exactly web01's go.
	code, _, stderr = runCLI(t, db, true, "y\ny\n", "delete", "web01")
	if code != 0 || !strings.Contains(stderr, "deleted 2 objects (8 B) from s3://flowlogs/web/web01-*") {
		t.Fatalf("answer y: exit %d, stderr:\n%s", code, stderr)
	}
	want := []string{"web/notes.txt", "web/web01-b-1600000000.log.gz", "web/web02-1600000000.log.gz"}
	if got := keys(); !reflect.DeepEqual(got, want) {
		t.Errorf("keys left = %q, want %q", got, want)
	}

	// --yes asks nothing more, even on a terminal.
	create("web03", "9ffd6527-ce80-4e57-a949-f9a45824ebe2")
	put("web/web03-1600000000.log.gz")
	code, _, stderr = runCLI(t, db, true, "", "delete", "web03", "--yes")
	if code != 0 || strings.Contains(stderr, "[y/N]") || !strings.Contains(stderr, "objects already written stay") {
		t.Fatalf("--yes: exit %d, stderr:\n%s", code, stderr)
	}
}
