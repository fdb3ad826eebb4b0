-- The inquiry desk (お問い合わせ窓口): tickets from the store's contact
-- form, the staff's replies and internal notes on them, and the canned
-- replies staff start from. Tickets are personal data: closed ones are
-- deleted after settings.Retention.InquiryDays (internal/inquiry Prune).
CREATE TABLE inquiry_tickets (
    id           INTEGER PRIMARY KEY, -- shown as the ticket number, Q-000123
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL, -- lower-cased
    phone        TEXT NOT NULL DEFAULT '',
    topic        TEXT NOT NULL
        CHECK (topic IN ('order', 'delivery', 'product', 'payment', 'account', 'incident', 'other')),
    subject      TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL, -- card numbers masked before it is stored
    order_number TEXT NOT NULL DEFAULT '', -- as the customer typed it, not checked
    member_id    BIGINT REFERENCES members (id) ON DELETE SET NULL,
    -- The incident the ticket is about. No foreign key: incidents live in
    -- another package's table, which links to this column.
    incident_id  BIGINT,
    locale       TEXT NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
    state        TEXT NOT NULL DEFAULT 'new'
        CHECK (state IN ('new', 'open', 'waiting_customer', 'closed')),
    assignee_id  BIGINT REFERENCES staff (id) ON DELETE SET NULL,
    -- When the first reply is due (the desk's hours counted); overdue is
    -- an active ticket with no reply after due_at.
    due_at       TIMESTAMP NOT NULL,
    responded_at TIMESTAMP, -- the first staff reply
    closed_at    TIMESTAMP,
    -- When the acknowledgement e-mail was queued; NULL when the shop-wide
    -- cap held it back. The cap counts these.
    acked_at     TIMESTAMP,
    -- The client's address, for the per-address limit; blanked after
    -- settings.Retention.CardAttemptDays like other IP addresses.
    client_ip    TEXT NOT NULL DEFAULT ''
);
-- The limits and the duplicate check count recent tickets per address and
-- per e-mail address; the cap counts recent acknowledgements.
CREATE INDEX inquiry_tickets_client_ip ON inquiry_tickets (client_ip, created_at);
CREATE INDEX inquiry_tickets_email ON inquiry_tickets (email, created_at);
CREATE INDEX inquiry_tickets_acked ON inquiry_tickets (acked_at);
-- The desk's lists and counts: by state (overdue is state + due_at), per
-- incident, per assignee; Prune by closing time.
CREATE INDEX inquiry_tickets_state ON inquiry_tickets (state, due_at);
CREATE INDEX inquiry_tickets_incident ON inquiry_tickets (incident_id, state);
CREATE INDEX inquiry_tickets_assignee ON inquiry_tickets (assignee_id, state);
CREATE INDEX inquiry_tickets_closed ON inquiry_tickets (closed_at);
CREATE INDEX inquiry_tickets_member ON inquiry_tickets (member_id);

-- A ticket's thread: replies e-mailed to the customer and internal notes,
-- which are never shown or sent to the customer.
CREATE TABLE inquiry_messages (
    id         INTEGER PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES inquiry_tickets (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('reply', 'note')),
    body       TEXT NOT NULL,
    author     TEXT NOT NULL, -- the member of staff's e-mail address
    mail_id    BIGINT,        -- the reply's message in mail_messages
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX inquiry_messages_ticket ON inquiry_messages (ticket_id, id);

-- Canned replies (定型文): text staff insert into a reply and then edit.
CREATE TABLE inquiry_canned_replies (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
