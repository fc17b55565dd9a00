package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// timeFormat is how created_at is stored: RFC 3339 in UTC, whole seconds,
// so that text order is time order.
const timeFormat = "2006-01-02T15:04:05Z"

const columns = `id, name, resource_type, resource_id, datacenter_id, server_id,
	direction, action, bucket, prefix, state, created_at`

// ListFilter narrows List. Zero fields match everything.
type ListFilter struct {
	Type flowlog.ResourceType
	// ResourceID matches the flow log of one resource (any case).
	ResourceID string
	// Bucket is a bucket name, or "bucket/prefix" to match one prefix only.
	Bucket string
}

// Create validates f and stores it as a new flow log with a fresh ID, state
// AVAILABLE and the current time. An empty Name becomes
// flowlog.DefaultName. Any ID, State or CreatedAt in f is ignored.
func (e *Engine) Create(ctx context.Context, f flowlog.FlowLog) (flowlog.FlowLog, error) {
	f, err := e.prepare(f)
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	err = e.write(ctx, func(tx *sql.Tx) error {
		return insert(ctx, tx, f)
	})
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	return f, nil
}

// Replace deletes flow log id and creates next in its place, in one
// transaction: on any error the old flow log is still there. This is the
// only "change" the service allows, so next gets a new ID and CreatedAt.
func (e *Engine) Replace(ctx context.Context, id string, next flowlog.FlowLog) (flowlog.FlowLog, error) {
	next, err := e.prepare(next)
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	id = normalizeID(id)
	err = e.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM flow_logs WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("replace %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("replace %s: %w", id, err)
		} else if n == 0 {
			return &notFoundError{by: "id", ref: id}
		}
		return insert(ctx, tx, next)
	})
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	return next, nil
}

// Delete deletes the flow logs with the given IDs, all or none: if any ID is
// unknown, nothing is deleted and the error wraps ErrNotFound.
func (e *Engine) Delete(ctx context.Context, ids ...string) error {
	seen := make(map[string]bool, len(ids))
	return e.write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			id = normalizeID(id)
			if seen[id] {
				continue
			}
			seen[id] = true
			res, err := tx.ExecContext(ctx, `DELETE FROM flow_logs WHERE id = ?`, id)
			if err != nil {
				return fmt.Errorf("delete %s: %w", id, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("delete %s: %w", id, err)
			}
			if n == 0 {
				return &notFoundError{by: "id", ref: id}
			}
		}
		return nil
	})
}

// Get finds a flow log by exact ID, else by exact name. A name shared by
// several flow logs gives an *AmbiguousError; no match an error wrapping
// ErrNotFound.
func (e *Engine) Get(ctx context.Context, ref string) (flowlog.FlowLog, error) {
	var found flowlog.FlowLog
	err := e.read(ctx, func(tx *sql.Tx) error {
		byID, err := query(ctx, tx, `SELECT `+columns+` FROM flow_logs WHERE id = ?`, normalizeID(ref))
		if err != nil {
			return err
		}
		if len(byID) == 1 {
			found = byID[0]
			return nil
		}
		byName, err := query(ctx, tx, `SELECT `+columns+` FROM flow_logs WHERE name = ?
			ORDER BY created_at, name, id`, ref)
		if err != nil {
			return err
		}
		switch len(byName) {
		case 0:
			return &notFoundError{by: "id or name", ref: ref}
		case 1:
			found = byName[0]
			return nil
		default:
			return &AmbiguousError{Ref: ref, Matches: byName}
		}
	})
	if err != nil {
		return flowlog.FlowLog{}, err
	}
	return found, nil
}

// List returns the flow logs matching filter, oldest first (then by name
// and ID, so the order is total).
func (e *Engine) List(ctx context.Context, filter ListFilter) ([]flowlog.FlowLog, error) {
	var where []string
	var args []any
	if filter.Type != "" {
		where = append(where, "resource_type = ?")
		args = append(args, string(filter.Type))
	}
	if filter.ResourceID != "" {
		where = append(where, "resource_id = ?")
		args = append(args, strings.ToLower(filter.ResourceID))
	}
	if filter.Bucket != "" {
		bucket, prefix, hasPrefix := strings.Cut(strings.TrimSuffix(filter.Bucket, "/"), "/")
		where = append(where, "bucket = ?")
		args = append(args, bucket)
		if hasPrefix {
			where = append(where, "prefix = ?")
			args = append(args, prefix)
		}
	}
	q := `SELECT ` + columns + ` FROM flow_logs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at, name, id`
	var out []flowlog.FlowLog
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = query(ctx, tx, q, args...)
		return err
	})
	return out, err
}

// prepare fills in what the engine owns and validates the result.
func (e *Engine) prepare(f flowlog.FlowLog) (flowlog.FlowLog, error) {
	// IDs are compared as text; store one spelling.
	f.ResourceID = strings.ToLower(f.ResourceID)
	f.DatacenterID = strings.ToLower(f.DatacenterID)
	f.ServerID = strings.ToLower(f.ServerID)
	if f.Name == "" {
		f.Name = flowlog.DefaultName(f.ResourceType, f.ResourceID)
	}
	if err := f.Validate(); err != nil {
		return flowlog.FlowLog{}, err
	}
	f.ID = uuid.NewString()
	f.State = flowlog.Available
	f.CreatedAt = e.clock().UTC().Truncate(time.Second)
	return f, nil
}

func normalizeID(id string) string {
	if flowlog.ValidateResourceID("id", id) == nil {
		return strings.ToLower(id)
	}
	return id
}

// insert checks the rules, then inserts f. The check gives the message that
// names the existing flow log; the constraint error is only a backstop, and
// is turned into the same *RuleError.
func insert(ctx context.Context, tx *sql.Tx, f flowlog.FlowLog) error {
	if err := checkRules(ctx, tx, f); err != nil {
		return err
	}
	return insertRow(ctx, tx, f)
}

func checkRules(ctx context.Context, tx *sql.Tx, f flowlog.FlowLog) error {
	same, err := query(ctx, tx, `SELECT `+columns+` FROM flow_logs
		WHERE resource_type = ? AND resource_id = ?`, string(f.ResourceType), f.ResourceID)
	if err != nil {
		return err
	}
	if len(same) > 0 {
		return onePerResourceError(f, &same[0])
	}
	clash, err := query(ctx, tx, `SELECT `+columns+` FROM flow_logs
		WHERE bucket = ? AND prefix = ? AND name = ?`, f.Bucket, f.Prefix, f.Name)
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		return targetClashError(f, &clash[0])
	}
	return nil
}

func insertRow(ctx context.Context, tx *sql.Tx, f flowlog.FlowLog) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO flow_logs (`+columns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.Name, string(f.ResourceType), f.ResourceID, f.DatacenterID, f.ServerID,
		string(f.Direction), string(f.Action), f.Bucket, f.Prefix, string(f.State),
		f.CreatedAt.UTC().Format(timeFormat))
	if err == nil {
		return nil
	}
	if rerr := ruleFromConstraint(err, f); rerr != nil {
		// Only the failed statement is rolled back, not the transaction,
		// so the rows in the way can still be read and named, with the
		// same precedence as the check before the insert. (A row may break
		// both unique indexes; SQLite reports whichever it checks first.)
		var fromCheck *RuleError
		if errors.As(checkRules(ctx, tx, f), &fromCheck) && rerr.Rule != RuleImmutable {
			return fromCheck
		}
		return rerr
	}
	return fmt.Errorf("store flow log %q: %w", f.Name, err)
}

// ruleFromConstraint maps a constraint violation to the rule it enforces,
// or returns nil for any other error.
func ruleFromConstraint(err error, f flowlog.FlowLog) *RuleError {
	var serr *sqlite.Error
	if !errors.As(err, &serr) {
		return nil
	}
	msg := serr.Error()
	switch serr.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		switch {
		case strings.Contains(msg, "flow_logs.resource_type, flow_logs.resource_id"):
			return onePerResourceError(f, nil)
		case strings.Contains(msg, "flow_logs.bucket, flow_logs.prefix, flow_logs.name"):
			return targetClashError(f, nil)
		case strings.Contains(msg, "flow_logs.id"):
			return ImmutableError("")
		}
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		if strings.Contains(msg, "immutable") {
			return ImmutableError("")
		}
	}
	return nil
}

type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func query(ctx context.Context, q rowQuerier, sqlText string, args ...any) ([]flowlog.FlowLog, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("read flow logs: %w", err)
	}
	defer rows.Close()
	// Never nil, so that a JSON encoding of "no flow logs" is [] not null.
	out := []flowlog.FlowLog{}
	for rows.Next() {
		var (
			f                    flowlog.FlowLog
			typ, dir, act, state string
			created              string
		)
		if err := rows.Scan(&f.ID, &f.Name, &typ, &f.ResourceID, &f.DatacenterID, &f.ServerID,
			&dir, &act, &f.Bucket, &f.Prefix, &state, &created); err != nil {
			return nil, fmt.Errorf("read flow logs: %w", err)
		}
		f.ResourceType = flowlog.ResourceType(typ)
		f.Direction = flowlog.Direction(dir)
		f.Action = flowlog.Action(act)
		f.State = flowlog.State(state)
		t, err := time.Parse(timeFormat, created)
		if err != nil {
			return nil, fmt.Errorf("read flow log %s: bad created_at %q", f.ID, created)
		}
		f.CreatedAt = t.UTC()
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read flow logs: %w", err)
	}
	return out, nil
}
