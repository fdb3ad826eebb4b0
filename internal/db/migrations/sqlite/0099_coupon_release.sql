-- A use given back: the order it was used on was cancelled (by the
-- customer, the staff, an unpaid transfer or an expired payment), so the
-- coupon and the customer's own limit count it no more. The row stays,
-- with the discount the order's documents printed.
ALTER TABLE coupon_redemptions ADD COLUMN released_at TIMESTAMP;
