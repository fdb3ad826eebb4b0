-- Orders may be paid by monthly invoice ('invoice', internal/billing).
-- Each constraint is rebuilt from its current definition with 'invoice'
-- added at the head of its list, so that this change and any other that
-- widens the same lists compose in either order.
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT conrelid::regclass AS tbl, conname, pg_get_constraintdef(oid) AS def
        FROM pg_constraint
        WHERE connamespace = current_schema()::regnamespace
        AND conname IN ('orders_payment_method_check', 'payments_method_check')
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.tbl, c.conname,
            replace(c.def, 'ARRAY[''bank_transfer''::text', 'ARRAY[''invoice''::text, ''bank_transfer''::text'));
    END LOOP;
END
$$;
