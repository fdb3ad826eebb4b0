-- Two payment methods through the provider: コンビニ決済 (konbini) and
-- PayPay.
ALTER TABLE orders DROP CONSTRAINT orders_payment_method_check;
ALTER TABLE orders ADD CONSTRAINT orders_payment_method_check CHECK (payment_method IN
    ('bank_transfer', 'cod', 'card', 'konbini', 'paypay'));
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check CHECK (method IN
    ('bank_transfer', 'cod', 'card', 'konbini', 'paypay'));

-- A konbini payment's voucher: the payment number the customer gives the
-- clerk and when it expires (the provider's voucher page is the payment's
-- redirect_url). Provider references, not credentials: a number is good
-- for this one payment only.
ALTER TABLE payments ADD COLUMN voucher_number TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN voucher_expires_at TIMESTAMPTZ;
