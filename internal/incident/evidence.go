package incident

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"kaede/internal/audit"
	"kaede/internal/shop"
)

// Evidence is one file kept with an incident: a log extract, the
// investigators' report, a screenshot of a changed page. Its content is
// only ever handed out as a download; nothing serves or runs it.
type Evidence struct {
	ID         int64
	IncidentID int64
	Name       string
	Note       string
	Size       int64
	SHA256     string // hex, taken on upload
	UploadedBy string
	UploadedAt time.Time
}

const (
	maxEvidenceName = 200
	maxEvidenceNote = 1000
)

// AddEvidence stores the file read from r with its SHA-256, audited. The
// same content uploaded twice to one incident is kept once: the second
// upload returns the first with a Conflict error.
func (s *Service) AddEvidence(ctx context.Context, id int64, name, note string, r io.Reader, by audit.Actor) (Evidence, error) {
	name = cleanName(name)
	note = strings.TrimSpace(note)
	f := map[string]string{}
	checkText(f, "name", name, maxEvidenceName, true)
	checkText(f, "note", note, maxEvidenceNote, false)
	if err := invalid("invalid evidence", f); err != nil {
		return Evidence{}, err
	}
	// Read one byte past the limit to tell a file at the limit from a
	// larger one without holding more than that.
	body, err := io.ReadAll(io.LimitReader(r, s.MaxEvidence+1))
	if err != nil {
		return Evidence{}, fmt.Errorf("incident: read evidence: %w", err)
	}
	switch {
	case len(body) == 0:
		return Evidence{}, invalid("invalid evidence", map[string]string{"file": shop.ReasonRequired})
	case int64(len(body)) > s.MaxEvidence:
		return Evidence{}, invalid("invalid evidence", map[string]string{"file": shop.ReasonLength})
	}
	sum := sha256.Sum256(body)
	now := s.clock().UTC()
	ev := Evidence{IncidentID: id, Name: name, Note: note, Size: int64(len(body)),
		SHA256: hex.EncodeToString(sum[:]), UploadedBy: by.Name, UploadedAt: now}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		inc, err := getTx(ctx, tx, s.db, id)
		if err != nil {
			return err
		}
		var existing int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM incident_evidence WHERE incident_id = $1 AND sha256 = $2`, id, ev.SHA256).Scan(&existing)
		switch {
		case err == nil:
			ev.ID = existing
			return &shop.Error{Code: shop.Conflict, Message: fmt.Sprintf("the same file is already kept as evidence %d", existing)}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("incident: find evidence: %w", err)
		}
		err = tx.QueryRowContext(ctx, `
			INSERT INTO incident_evidence (incident_id, name, note, size, sha256, content, uploaded_by, uploaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING id`,
			id, ev.Name, ev.Note, ev.Size, ev.SHA256, body, ev.UploadedBy, now).Scan(&ev.ID)
		if err != nil {
			return fmt.Errorf("incident: store evidence: %w", err)
		}
		return audit.Record(ctx, tx, now, by, "incident.evidence", inc.Ref(), nil,
			map[string]any{"evidence": ev.ID, "name": ev.Name, "size": ev.Size, "sha256": ev.SHA256})
	})
	return ev, err
}

// cleanName keeps the base name of an uploaded file, as browsers may send
// a path, without control characters.
func cleanName(name string) string {
	name = strings.TrimSpace(strings.ReplaceAll(name, `\`, "/"))
	if name != "" {
		name = path.Base(name)
	}
	if name == "." || name == "/" {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
}

// EvidenceList returns the incident's evidence files, without content.
func (s *Service) EvidenceList(ctx context.Context, id int64) ([]Evidence, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, incident_id, name, note, size, sha256, uploaded_by, uploaded_at
		FROM incident_evidence WHERE incident_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("incident: evidence of %d: %w", id, err)
	}
	defer rows.Close()
	var out []Evidence
	for rows.Next() {
		var e Evidence
		if err := rows.Scan(&e.ID, &e.IncidentID, &e.Name, &e.Note, &e.Size, &e.SHA256, &e.UploadedBy, &e.UploadedAt); err != nil {
			return nil, fmt.Errorf("incident: evidence of %d: %w", id, err)
		}
		e.UploadedAt = e.UploadedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// EvidenceFile returns one evidence file and its content, after checking
// that the content still has the hash taken on upload. Reading evidence is
// audited: who saw what matters after a breach.
func (s *Service) EvidenceFile(ctx context.Context, id, evidenceID int64, by audit.Actor) (Evidence, []byte, error) {
	var e Evidence
	var body []byte
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `
			SELECT id, incident_id, name, note, size, sha256, content, uploaded_by, uploaded_at
			FROM incident_evidence WHERE incident_id = $1 AND id = $2`, id, evidenceID).
			Scan(&e.ID, &e.IncidentID, &e.Name, &e.Note, &e.Size, &e.SHA256, &body, &e.UploadedBy, &e.UploadedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return &shop.Error{Code: shop.NotFound, Message: fmt.Sprintf("evidence %d of incident %d not found", evidenceID, id)}
		}
		if err != nil {
			return fmt.Errorf("incident: evidence %d: %w", evidenceID, err)
		}
		e.UploadedAt = e.UploadedAt.UTC()
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			return fmt.Errorf("incident: evidence %d no longer has the SHA-256 taken on upload", evidenceID)
		}
		return audit.Record(ctx, tx, s.clock().UTC(), by, "incident.evidence_read", fmt.Sprintf("incident:%d", id), nil,
			map[string]any{"evidence": e.ID, "sha256": e.SHA256})
	})
	if err != nil {
		return Evidence{}, nil, err
	}
	return e, body, nil
}
