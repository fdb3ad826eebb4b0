-- A member's お気に入り (favourite products) and the products they looked
-- at lately. Both keep product ids only; the catalogue says what is still
-- for sale when the lists are shown. The member package bounds both lists.
CREATE TABLE member_favourites (
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (member_id, product_id)
);

CREATE TABLE member_recent_views (
    member_id  BIGINT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    viewed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (member_id, product_id)
);
CREATE INDEX member_recent_views_member ON member_recent_views (member_id, viewed_at);
