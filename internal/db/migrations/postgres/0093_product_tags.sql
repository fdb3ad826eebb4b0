-- Tags on products (「単回使用」, 「国産」…), shown on the product page and
-- used to filter the catalogue. Stored as staff typed them after NFKC, at
-- most 30 characters.
CREATE TABLE product_tags (
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (product_id, tag)
);
CREATE INDEX product_tags_tag ON product_tags (tag);
