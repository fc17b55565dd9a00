package objstore_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
)

func TestDeleteError(t *testing.T) {
	err := error(&objstore.DeleteError{Failed: []objstore.KeyError{
		{Key: "a", Err: fmt.Errorf("delete s3://logs/a: %w", objstore.ErrAccessDenied)},
		{Key: "b", Err: fmt.Errorf("delete s3://logs/b: %w", objstore.ErrAccessDenied)},
	}})
	if want := "2 keys not deleted: delete s3://logs/a: access denied (and 1 more)"; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if !errors.Is(err, objstore.ErrAccessDenied) {
		t.Error("errors.Is(DeleteError, ErrAccessDenied) = false; the CLI needs it for the exit code")
	}
	var de *objstore.DeleteError
	if !errors.As(fmt.Errorf("prune: %w", err), &de) || len(de.Failed) != 2 {
		t.Error("errors.As cannot find the DeleteError through a wrap")
	}
}
