-- Products that staff chose to show with a product (「関連商品」), in the
-- order they set. The relation is one-way: showing B with A does not show
-- A with B.
CREATE TABLE product_related (
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    related_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, related_id),
    CHECK (product_id <> related_id)
);
