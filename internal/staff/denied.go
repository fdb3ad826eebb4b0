package staff

import (
	"context"
	"database/sql"
)

// Denied records, in its own transaction, that by tried an action their
// role does not permit ("staff.denied"): the admin edge refuses the
// request, and the attempt stays in the audit log.
func (s *Service) Denied(ctx context.Context, by Principal, p Permission, method, path string) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		return s.record(ctx, tx, by.Actor, "staff.denied", target(by.StaffID), nil, map[string]string{
			"permission": string(p), "method": method, "path": path, "role": string(by.Role)})
	})
}
