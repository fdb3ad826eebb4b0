// Package audit keeps Kaede's append-only, hash-chained audit log: who did
// what in the admin screens (and what the system did on its own), with the
// state before and after. Each entry's hash covers its fields and the
// previous entry's hash, so that an entry edited, inserted or deleted
// directly in the database breaks the chain, and Verify names where.
//
// An entry is written in the caller's transaction, so that a change and its
// record commit together or not at all.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Genesis is the PrevHash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Actor is who makes a change and from where, as every audited service
// method takes it: a member of staff's e-mail address (or ActorCLI, or a
// System actor) and the request's IP address. The admin edge fills it from
// the staff session, never from form input.
type Actor struct {
	Name string
	IP   string
}

// Names of the actors that are not members of staff.
const (
	ActorSystem = "system" // the shop on its own; System says which part
	ActorCLI    = "cli"    // the kaede command line, run by the operator
)

// System is the shop acting on its own, for the part of it named by what
// ("demo", "jobs"): the log shows "system:demo", so that an operator can
// tell the demo's products from a job's changes.
func System(what string) Actor {
	return Actor{Name: ActorSystem + ":" + what}
}

// Entry is one record of the audit log.
type Entry struct {
	ID     int64
	At     time.Time // UTC, microsecond precision
	Actor  string    // staff e-mail, ActorSystem or ActorCLI
	Action string    // e.g. "staff.login", "order.status", "refund"
	Target string    // what was acted on, e.g. "order:1024"; may be empty
	Before string    // JSON object of the state before, or empty
	After  string    // JSON object of the state after, or empty
	IP     string    // where the request came from; empty for system actions

	PrevHash string // the previous entry's Hash, Genesis for the first
	Hash     string // SHA-256 (hex) of the canonical encoding, see hashEntry
}

// Field limits: an audit row is read by people, and the login form passes
// what a stranger typed as the actor.
const (
	maxShort = 320     // actor, action, target, ip
	maxState = 1 << 20 // before, after
)

// Append writes e to the log inside tx and returns it with its id and
// hashes. e.At must be set from the caller's clock; Before and After must
// be empty or JSON objects, and known secret fields in them are redacted.
//
// Appends are serialised: the first statement updates the one row of
// audit_head, which on PostgreSQL holds that row's lock until tx ends (a
// second appender waits, then reads the head the first one committed) and
// on SQLite runs in a transaction that already holds the database's write
// lock. Append late in a transaction, so that the lock is held briefly.
func Append(ctx context.Context, tx *sql.Tx, e Entry) (Entry, error) {
	if err := e.validate(); err != nil {
		return Entry{}, err
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	var err error
	if e.Before, err = Redact(e.Before); err != nil {
		return Entry{}, fmt.Errorf("audit %s: before: %w", e.Action, err)
	}
	if e.After, err = Redact(e.After); err != nil {
		return Entry{}, fmt.Errorf("audit %s: after: %w", e.Action, err)
	}
	err = tx.QueryRowContext(ctx, `UPDATE audit_head SET last_id = last_id + 1 WHERE id = 1
		RETURNING last_id, hash`).Scan(&e.ID, &e.PrevHash)
	if err != nil {
		return Entry{}, fmt.Errorf("audit %s: advance head: %w", e.Action, err)
	}
	e.Hash = hashEntry(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(id, at, actor, action, target, before_json, after_json, ip, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.At, e.Actor, e.Action, e.Target, e.Before, e.After, e.IP, e.PrevHash, e.Hash)
	if err != nil {
		return Entry{}, fmt.Errorf("audit %s: insert: %w", e.Action, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, e.Hash); err != nil {
		return Entry{}, fmt.Errorf("audit %s: set head: %w", e.Action, err)
	}
	return e, nil
}

func (e Entry) validate() error {
	switch {
	case e.At.IsZero():
		return errors.New("audit: entry has no time")
	case e.Actor == "":
		return fmt.Errorf("audit %s: entry has no actor", e.Action)
	case e.Action == "":
		return errors.New("audit: entry has no action")
	}
	for name, v := range map[string]string{"actor": e.Actor, "action": e.Action, "target": e.Target, "ip": e.IP} {
		if len(v) > maxShort {
			return fmt.Errorf("audit %s: %s longer than %d bytes", e.Action, name, maxShort)
		}
	}
	for name, v := range map[string]string{"before": e.Before, "after": e.After} {
		if len(v) > maxState {
			return fmt.Errorf("audit %s: %s longer than %d bytes", e.Action, name, maxState)
		}
		if v != "" && !json.Valid([]byte(v)) {
			return fmt.Errorf("audit %s: %s is not JSON", e.Action, name)
		}
	}
	return nil
}

// hashEntry returns the hex SHA-256 of the entry's canonical encoding: a
// version tag, then each field as an 8-byte big-endian length followed by
// its bytes, in a fixed order. The lengths make the encoding unambiguous:
// no two different entries encode alike, whatever their fields contain.
func hashEntry(e Entry) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field("kaede-audit-v1")
	field(strconv.FormatInt(e.ID, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.Actor)
	field(e.Action)
	field(e.Target)
	field(e.Before)
	field(e.After)
	field(e.IP)
	field(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Record appends to the log inside tx, the transaction that makes the
// change, the entry of by's action on target at the time at, so that a
// change and its record commit together or not at all. before and after
// are the states the change replaced and made: each is marshalled to a
// JSON object with known secret fields redacted; nil (or a value that
// marshals to null, such as a nil pointer) leaves that side empty.
//
// Every audited service method writes its entry through Record; at comes
// from the service's clock, so that tests can set it.
func Record(ctx context.Context, tx *sql.Tx, at time.Time, by Actor, action, target string, before, after any) error {
	e := Entry{At: at, Actor: by.Name, Action: action, Target: target, IP: by.IP}
	var err error
	if e.Before, err = state(before); err != nil {
		return fmt.Errorf("audit %s: before: %w", action, err)
	}
	if e.After, err = state(after); err != nil {
		return fmt.Errorf("audit %s: after: %w", action, err)
	}
	_, err = Append(ctx, tx, e)
	return err
}

// state marshals v for Entry.Before or Entry.After: a JSON object, or
// empty for nil. Append redacts it.
func state(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("marshal state: %w", err)
	}
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) == 0 || b[0] != '{':
		// Not quoted: a stray string could be a secret, and errors are logged.
		return "", errors.New("state is not a JSON object")
	}
	return string(b), nil
}
