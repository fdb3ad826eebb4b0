package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"kaede/internal/audit"
	"kaede/internal/catalog"
	"kaede/internal/db"
	"kaede/internal/shop"
)

// large is a shop of a size the store must stay small with: products go in
// through the catalog package (search text, audit, images as the store
// writes them), orders through plain SQL in batches, because a hundred
// thousand checkouts through the order package would take an hour and
// measure nothing bench/memory.sh needs.
type large struct {
	products, perCategory, orders, members int
}

// The parent categories the filled ones hang under, ten children each.
const fillParents = 10

func (l large) fill(ctx context.Context, dir string) error {
	if dir == "" {
		return fmt.Errorf("--data is required")
	}
	if l.perCategory <= 0 {
		return fmt.Errorf("--per-category must be positive")
	}
	d, err := db.Open(ctx, filepath.Join(dir, "kaede.db"))
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	if l.products > 0 {
		if err := l.fillProducts(ctx, d); err != nil {
			return err
		}
		fmt.Printf("fill: %d products in %s\n", l.products, time.Since(start).Round(time.Millisecond))
	}
	if l.orders > 0 {
		start = time.Now()
		if err := l.fillOrders(ctx, d); err != nil {
			return err
		}
		fmt.Printf("fill: %d orders of %d members and guests in %s\n", l.orders, l.members, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// fillProducts copies the demo's published products, as stored (variants,
// images, tags), into categories of l.perCategory under ten parents.
func (l large) fillProducts(ctx context.Context, d *db.DB) error {
	cat := catalog.New(d, shop.SystemClock)
	by := audit.System("bench")
	all, err := cat.AllProducts(ctx)
	if err != nil {
		return err
	}
	var tpl []catalog.Product
	for _, p := range all {
		if p.Status == catalog.StatusPublished && !p.PractitionersOnly {
			tpl = append(tpl, p)
		}
	}
	if len(tpl) == 0 {
		return fmt.Errorf("the demo has no published products to copy")
	}
	categories := (l.products + l.perCategory - 1) / l.perCategory
	parents := make([]int64, fillParents)
	for i := range parents {
		c := catalog.Category{Slug: fmt.Sprintf("fill-%c", 'a'+i), NameJa: fmt.Sprintf("大量商品 %c", 'A'+i),
			NameEn: fmt.Sprintf("Bulk %c", 'A'+i), Position: 100 + i}
		if parents[i], err = cat.CreateCategory(ctx, c, by); err != nil {
			return err
		}
	}
	n := 0
	for c := range categories {
		slug := fmt.Sprintf("fill-%03d", c)
		cc := catalog.Category{ParentID: parents[c%fillParents], Slug: slug,
			NameJa: fmt.Sprintf("大量商品 %03d", c), NameEn: fmt.Sprintf("Bulk %03d", c), Position: c}
		if _, err := cat.CreateCategory(ctx, cc, by); err != nil {
			return err
		}
		var ps []catalog.Product
		for ; n < l.products && len(ps) < l.perCategory; n++ {
			ps = append(ps, copyProduct(tpl[n%len(tpl)], n, slug))
		}
		if _, err := cat.CreateProducts(ctx, ps, by); err != nil {
			return err
		}
	}
	return nil
}

// copyProduct is the n-th copy of t, in the category: its own slug, name
// and SKUs, stock to sell, the demo's picture.
func copyProduct(t catalog.Product, n int, category string) catalog.Product {
	p := t
	p.ID, p.CategoryID, p.CategorySlug = 0, 0, category
	p.Slug = fmt.Sprintf("f%05d-%s", n, t.Slug)
	p.NameJa = fmt.Sprintf("%s %05d", t.NameJa, n)
	if t.NameEn != "" {
		p.NameEn = fmt.Sprintf("%s %05d", t.NameEn, n)
	}
	p.Position = n
	p.Related = nil
	p.Variants = make([]catalog.Variant, len(t.Variants))
	for i, v := range t.Variants {
		v.ID, v.ProductID = 0, 0
		v.SKU = fmt.Sprintf("F%05d-%s", n, v.SKU)
		v.Stock = 20 + (n+i)%80
		p.Variants[i] = v
	}
	p.Images = append([]catalog.Image(nil), t.Images...)
	p.Tags = append([]string(nil), t.Tags...)
	return p
}

// soldVariant is what an order line copies from the catalogue.
type soldVariant struct {
	id            int64
	sku, name, en string
	rate          int
	price         int64
}

func loadSoldVariants(ctx context.Context, d *db.DB) ([]soldVariant, error) {
	var vs []soldVariant
	err := d.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.id, v.sku, p.name_ja, v.label_ja, p.name_en, v.label_en, p.tax_class, v.price
			FROM variants v JOIN products p ON p.id = v.product_id WHERE p.status = 'published'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v soldVariant
			var label, labelEn, class string
			if err := rows.Scan(&v.id, &v.sku, &v.name, &label, &v.en, &labelEn, &class, &v.price); err != nil {
				return err
			}
			if label != "" {
				v.name += " " + label
			}
			if labelEn != "" {
				v.en += " " + labelEn
			}
			v.rate = int(shop.TaxClass(class).Rate())
			vs = append(vs, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read variants: %w", err)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("no published variants to sell")
	}
	return vs, nil
}

// orderWriter holds the statements of one batch's transaction.
type orderWriter struct {
	order, line, tax, event, payment *sql.Stmt
}

func prepareOrderWriter(ctx context.Context, tx *sql.Tx) (*orderWriter, error) {
	var w orderWriter
	for _, s := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&w.order, `INSERT INTO orders (number, member_id, email, locale, status, payment_method,
			subtotal, shipping_fee, cod_fee, total, tax_basis, tax_rounding, invoice_number,
			ship_name, ship_name_kana, ship_postal_code, ship_prefecture, ship_city, ship_line1, ship_line2, ship_phone,
			access_token_hash, created_at, updated_at)
			VALUES ($1, $2, $3, 'ja', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, '', $19, $20, $21, $22)
			RETURNING id`},
		{&w.line, `INSERT INTO order_lines (order_id, variant_id, sku, name, name_en, tax_rate, unit_price, quantity, line_total)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`},
		{&w.tax, `INSERT INTO order_taxes (order_id, rate, taxable, tax) VALUES ($1, $2, $3, $4)`},
		{&w.event, `INSERT INTO order_events (order_id, from_status, to_status, created_at) VALUES ($1, $2, $3, $4)`},
		{&w.payment, `INSERT INTO payments (order_id, method, state, amount, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)`},
	} {
		st, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*s.stmt = st
	}
	return &w, nil
}

var prefectureCities = []struct {
	pref       int
	postal     string
	city, line string
}{
	{13, "1500001", "渋谷区神宮前", "1-2-3"},
	{27, "5300001", "大阪市北区梅田", "2-4-6"},
	{1, "0600001", "札幌市中央区北一条西", "5-1"},
	{40, "8100001", "福岡市中央区天神", "3-3-3"},
	{23, "4500002", "名古屋市中村区名駅", "4-1-1"},
}

// fillOrders writes l.orders past orders over the last two years: members'
// (about seven in ten) and guests', one to four lines each, with their
// taxes, history and payment, in the statuses an old shop has.
func (l large) fillOrders(ctx context.Context, d *db.DB) error {
	vs, err := loadSoldVariants(ctx, d)
	if err != nil {
		return err
	}
	invoice := "T1234567890123"
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(1, 2))
	members, err := l.fillMembers(ctx, d, now)
	if err != nil {
		return err
	}
	seq := map[string]int{} // the last number of each day
	const batch = 5000
	for done := 0; done < l.orders; done += batch {
		err := d.Tx(ctx, func(tx *sql.Tx) error {
			w, err := prepareOrderWriter(ctx, tx)
			if err != nil {
				return err
			}
			for i := done; i < min(done+batch, l.orders); i++ {
				if err := w.write(ctx, rng, vs, members, seq, invoice, now, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("orders from %d: %w", done, err)
		}
	}
	// New checkouts number on from the filled days' last numbers.
	return d.Tx(ctx, func(tx *sql.Tx) error {
		for day, last := range seq {
			_, err := tx.ExecContext(ctx, `INSERT INTO order_sequences (day, last) VALUES ($1, $2)
				ON CONFLICT (day) DO UPDATE SET last = MAX(order_sequences.last, excluded.last)`, day, last)
			if err != nil {
				return fmt.Errorf("order sequence %s: %w", day, err)
			}
		}
		return nil
	})
}

type memberRef struct {
	id    int64
	email string
	name  string
}

// fillMembers adds l.members verified members who cannot log in (their
// password hash is no Argon2id string).
func (l large) fillMembers(ctx context.Context, d *db.DB, now time.Time) ([]memberRef, error) {
	ms := make([]memberRef, l.members)
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO members (email, password_hash, name, name_kana, phone, locale,
				email_verified_at, created_at)
			VALUES ($1, '!bench-no-login', $2, 'ベンチ', '0312345678', 'ja', $3, $3) RETURNING id`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		for i := range ms {
			ms[i].email = fmt.Sprintf("bench%05d@example.jp", i)
			ms[i].name = fmt.Sprintf("会員 %05d", i)
			at := now.Add(-time.Duration(800-i%700) * 24 * time.Hour)
			if err := st.QueryRowContext(ctx, ms[i].email, ms[i].name, at).Scan(&ms[i].id); err != nil {
				return fmt.Errorf("member %s: %w", ms[i].email, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	return ms, nil
}

func (w *orderWriter) write(ctx context.Context, rng *rand.Rand, vs []soldVariant, members []memberRef,
	seq map[string]int, invoice string, now time.Time, i int) error {
	at := now.Add(-time.Duration(rng.Int64N(int64(730 * 24 * time.Hour)))).Truncate(time.Second)
	day := at.In(shop.JST).Format("20060102")
	seq[day]++
	number := fmt.Sprintf("K%s-%04d", day, seq[day])

	var member any
	email, name := fmt.Sprintf("guest%06d@example.jp", i), fmt.Sprintf("ゲスト %06d", i)
	if len(members) > 0 && rng.IntN(10) < 7 {
		m := members[rng.IntN(len(members))]
		member, email, name = m.id, m.email, m.name
	}
	method := []string{"bank_transfer", "cod", "card"}[rng.IntN(3)]
	status, state := "delivered", "succeeded"
	switch age := now.Sub(at); {
	case rng.IntN(20) == 0:
		status, state = "cancelled", "cancelled"
	case age < 3*24*time.Hour && method == "bank_transfer":
		status, state = "awaiting_payment", "pending"
	case age < 3*24*time.Hour:
		status, state = "placed", "pending"
	case age < 10*24*time.Hour:
		status = "shipped"
	}

	type line struct {
		v   soldVariant
		qty int64
	}
	lines := make([]line, 1+rng.IntN(4))
	byRate := map[int]int64{}
	var subtotal int64
	for j := range lines {
		lines[j] = line{vs[rng.IntN(len(vs))], 1 + rng.Int64N(3)}
		subtotal += lines[j].v.price * lines[j].qty
		byRate[lines[j].v.rate] += lines[j].v.price * lines[j].qty
	}
	var shipping, cod int64
	if subtotal < 10000 {
		shipping = 800
	}
	if method == "cod" {
		cod = 330
	}
	byRate[10] += shipping + cod
	total := subtotal + shipping + cod
	a := prefectureCities[i%len(prefectureCities)]
	token := sha256.Sum256(fmt.Appendf(nil, "bench-order-%d", i))

	var id int64
	err := w.order.QueryRowContext(ctx, number, member, email, status, method,
		subtotal, shipping, cod, total, shop.TaxIncluded, shop.RoundFloor, invoice,
		name, "ベンチ", a.postal, a.pref, a.city, a.line, "0312345678",
		hex.EncodeToString(token[:]), at, at).Scan(&id)
	if err != nil {
		return fmt.Errorf("order %s: %w", number, err)
	}
	for _, l := range lines {
		_, err := w.line.ExecContext(ctx, id, l.v.id, l.v.sku, l.v.name, l.v.en, l.v.rate, l.v.price, l.qty, l.v.price*l.qty)
		if err != nil {
			return fmt.Errorf("order %s line %s: %w", number, l.v.sku, err)
		}
	}
	for rate, incl := range byRate {
		tax := incl * int64(rate) / int64(100+rate) // tax-included amounts, rounded down
		if _, err := w.tax.ExecContext(ctx, id, rate, incl-tax, tax); err != nil {
			return fmt.Errorf("order %s tax: %w", number, err)
		}
	}
	first := "placed"
	if method == "bank_transfer" {
		first = "awaiting_payment"
	}
	if _, err := w.event.ExecContext(ctx, id, "", first, at); err != nil {
		return fmt.Errorf("order %s event: %w", number, err)
	}
	if status != first {
		if _, err := w.event.ExecContext(ctx, id, first, status, at.Add(48*time.Hour)); err != nil {
			return fmt.Errorf("order %s event: %w", number, err)
		}
	}
	if _, err := w.payment.ExecContext(ctx, id, method, state, total, at, at); err != nil {
		return fmt.Errorf("order %s payment: %w", number, err)
	}
	return nil
}
