-- Coupon codes (クーポン): a fixed (yen) or percentage discount on the
-- items, from a minimum spend, within a period of Japan dates, up to a
-- number of uses in all and per customer, optionally on some categories or
-- products only. Codes are kept upper-case. uses counts the redemptions
-- and is raised in the order's transaction under the row's lock, so that
-- concurrent orders never take more than max_uses (0: no limit).
CREATE TABLE coupons (
    id               INTEGER PRIMARY KEY,
    code             TEXT NOT NULL UNIQUE,
    description      TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL CHECK (kind IN ('fixed', 'percent')),
    amount           BIGINT NOT NULL CHECK (amount > 0),
    min_spend        BIGINT NOT NULL DEFAULT 0 CHECK (min_spend >= 0),
    starts_on        TEXT NOT NULL DEFAULT '',
    ends_on          TEXT NOT NULL DEFAULT '',
    max_uses         INTEGER NOT NULL DEFAULT 0 CHECK (max_uses >= 0),
    max_per_customer INTEGER NOT NULL DEFAULT 0 CHECK (max_per_customer >= 0),
    uses             INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);

-- A coupon restricted to categories or products applies to the items in
-- any of them; a coupon with neither applies to every item.
CREATE TABLE coupon_categories (
    coupon_id   BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (coupon_id, category_id)
);

CREATE TABLE coupon_products (
    coupon_id  BIGINT NOT NULL REFERENCES coupons (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    PRIMARY KEY (coupon_id, product_id)
);
