-- Two payment methods through the provider: コンビニ決済 (konbini) and
-- PayPay. SQLite cannot alter a CHECK constraint, and rebuilding orders
-- would cascade into every table that references it, so the method lists
-- of orders and payments are widened in place, as 0045 did for the
-- statuses (every stored row still satisfies them). The pattern names the
-- head of the list, so another method appended at its end survives.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''bank_transfer'', ''cod'', ''card''', '''bank_transfer'', ''cod'', ''card'', ''konbini'', ''paypay''')
WHERE type = 'table' AND name IN ('orders', 'payments');
PRAGMA writable_schema = RESET;

-- A konbini payment's voucher: the payment number the customer gives the
-- clerk and when it expires (the provider's voucher page is the payment's
-- redirect_url). Provider references, not credentials: a number is good
-- for this one payment only.
ALTER TABLE payments ADD COLUMN voucher_number TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN voucher_expires_at TIMESTAMP;
