-- One coupon used on one order: the code as it was, the discount and its
-- split over the tax rates (what the order's documents print), and who
-- used it for the per-customer limit: "member:<id>" or "email:<sha256 of
-- the lower-cased address>" for a guest.
CREATE TABLE coupon_redemptions (
    order_id          BIGINT PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    coupon_id         BIGINT NOT NULL REFERENCES coupons (id),
    code              TEXT NOT NULL,
    customer          TEXT NOT NULL,
    discount          BIGINT NOT NULL CHECK (discount > 0),
    discount_standard BIGINT NOT NULL CHECK (discount_standard >= 0),
    discount_reduced  BIGINT NOT NULL CHECK (discount_reduced >= 0),
    created_at        TIMESTAMPTZ NOT NULL
);

CREATE INDEX coupon_redemptions_customer ON coupon_redemptions (coupon_id, customer);
