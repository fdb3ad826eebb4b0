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
    -- The name's reading in katakana (よみ), for 五十音順: kanji names do
    -- not sort by their code points. Empty means "sort by name_ja".
    name_kana          TEXT NOT NULL DEFAULT '',
    description_ja     TEXT NOT NULL DEFAULT '',
    description_en     TEXT NOT NULL DEFAULT '',
    tax_class          TEXT NOT NULL CHECK (tax_class IN ('standard', 'reduced')),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    practitioners_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- NFKC-normalised, lower-cased names, descriptions, SKUs and category
    -- names, hiragana folded to katakana: what a substring search runs on,
    -- so that 「鍼」 finds 「ディスポ鍼」 and 「はり」 finds 「ハリ」.
    -- Written by the catalog package on every change to the product.
    search_text        TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX products_category ON products (category_id, status);
-- The store's default listing: published products in the shop's order.
CREATE INDEX products_status_position ON products (status, position);

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
CREATE INDEX variants_product ON variants (product_id, position);

CREATE TABLE product_images (
    id         INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    path       TEXT NOT NULL,
    alt_ja     TEXT NOT NULL DEFAULT '',
    alt_en     TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_images_product ON product_images (product_id, position);
