-- Orders may be paid by monthly invoice ('invoice', internal/billing).
-- As in 0045, SQLite's CHECK text is widened in place (every stored row
-- still satisfies it). The new value goes at the head of each list so
-- that this change and any other that widens the same lists compose in
-- either order.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'payment_method IN (''bank_transfer'',', 'payment_method IN (''invoice'', ''bank_transfer'',')
WHERE type = 'table' AND name = 'orders';
UPDATE sqlite_schema
SET sql = replace(sql, 'method IN (''bank_transfer'',', 'method IN (''invoice'', ''bank_transfer'',')
WHERE type = 'table' AND name = 'payments';
PRAGMA writable_schema = RESET;
