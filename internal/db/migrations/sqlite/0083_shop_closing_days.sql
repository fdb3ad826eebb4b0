-- The shop's own closing days (臨時休業, 夏季休業, 年末年始), one row a
-- day, on top of weekends and the national holidays the calendar package
-- computes. internal/calendar owns the table: checkout's earliest
-- delivery date and the bank-transfer due date count with them.
CREATE TABLE shop_closing_days (
    day        TEXT PRIMARY KEY CHECK (length(day) = 10), -- YYYY-MM-DD in Japan
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
