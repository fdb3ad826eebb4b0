-- A product photo's size in pixels, as the upload was re-encoded, so that
-- pages give the <img> its real width and height (the browser keeps the
-- proportions and reserves the space). 0 = not known (photos added before
-- this column); pages then leave the attributes out.
ALTER TABLE product_images ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
ALTER TABLE product_images ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
