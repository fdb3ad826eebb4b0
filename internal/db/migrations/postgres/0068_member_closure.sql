-- An account closed by its member (退会) or erased by staff on the member's
-- request keeps its row, so that the orders it placed (kept for the tax
-- records) still point at something, but nothing that names the person:
-- member.Service.erase blanks the row and sets closed_at.
ALTER TABLE members ADD COLUMN closed_at TIMESTAMP;
