-- Every e-mail Kaede sends, written in the same transaction as what caused
-- it. Delivery is a queue job; in the demo the operator reads them here.
CREATE TABLE mail_messages (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,  -- order_confirmation, verify_email, …
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    order_id   BIGINT REFERENCES orders (id) ON DELETE SET NULL,
    status     TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'outbox', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP
);
CREATE INDEX mail_messages_status ON mail_messages (status);
