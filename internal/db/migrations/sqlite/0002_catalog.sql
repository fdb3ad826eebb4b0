CREATE TABLE categories (
    id         INTEGER PRIMARY KEY,
    parent_id  BIGINT REFERENCES categories (id),
    slug       TEXT NOT NULL UNIQUE,
    name_ja    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id                 INTEGER PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    category_id        BIGINT NOT NULL REFERENCES categories (id),
    name_ja            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    description_ja     TEXT NOT NULL DEFAULT '',
    description_en     TEXT NOT NULL DEFAULT '',
    tax_class          TEXT NOT NULL CHECK (tax_class IN ('standard', 'reduced')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    practitioners_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- NFKC-normalised, lower-cased names, descriptions and SKUs: what a
    -- substring search runs on, so that 「鍼」 finds 「ディスポ鍼」.
    search_text        TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX products_category ON products (category_id, status);

CREATE TABLE variants (
    id            INTEGER PRIMARY KEY,
    product_id    BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku           TEXT NOT NULL UNIQUE,
    -- Option values as the customer reads them, e.g. 「0.20mm × 40mm」.
    label_ja      TEXT NOT NULL DEFAULT '',
    label_en      TEXT NOT NULL DEFAULT '',
    price         BIGINT NOT NULL CHECK (price >= 0),
    member_price  BIGINT CHECK (member_price >= 0),
    stock         BIGINT NOT NULL CHECK (stock >= 0),
    max_per_order INTEGER NOT NULL DEFAULT 99 CHECK (max_per_order > 0),
    position      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX variants_product ON variants (product_id);

CREATE TABLE product_images (
    id         INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    alt_ja     TEXT NOT NULL DEFAULT '',
    alt_en     TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_images_product ON product_images (product_id);
