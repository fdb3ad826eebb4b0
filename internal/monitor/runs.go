package monitor

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// RunsSince returns the runs finished at or after since, oldest first:
// what the reopening checklist reads to tell a monitor that was green all
// along from one that was green once.
func (s *Service) RunsSince(ctx context.Context, since time.Time) ([]Run, error) {
	var out []Run
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT id, started_at, finished_at, mode, result, differences, blind, snapshot_digest, manifest_digest, baseline_id
			FROM monitor_runs WHERE finished_at >= $1 ORDER BY started_at, id`, since.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r Run
			var result, diffs string
			var baseline sql.NullInt64
			if err := rows.Scan(&r.ID, &r.StartedAt, &r.FinishedAt, &r.Mode, &result, &diffs, &r.Blind,
				&r.SnapshotDigest, &r.ManifestDigest, &baseline); err != nil {
				return err
			}
			r.Result, r.BaselineID = Result(result), baseline.Int64
			r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), r.FinishedAt.UTC()
			if err := json.Unmarshal([]byte(diffs), &r.Differences); err != nil {
				return fmt.Errorf("run %d: differences: %w", r.ID, err)
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("monitor: runs since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}
