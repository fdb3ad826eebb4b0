package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// An issued invoice is never changed: it is the qualified invoice the
// customer books. An order it billed that is cancelled afterwards, before
// any money for it came in, is credited instead on the customer's next
// invoice (赤伝): a 返品・キャンセル line per tax rate with the original
// sale's day and invoice, and the returned amount and its tax per rate,
// which is what a 適格返還請求書 must state; the invoice's total is the
// month's sales less the credits. A cancelled order whose invoice was
// paid is refunded by bank transfer instead (order.MarkRefunded) and is
// not credited, nor is an order refunded: the money has gone back.

// DocumentCredit is one cancelled order credited on the invoice: its
// number, the day it was placed, the invoice that billed it and its
// amount per rate as negative-free lines (the PDF prints them negative).
type DocumentCredit struct {
	Number  string
	Date    string // YYYY-MM-DD, Tokyo: the day of the original sale
	Invoice string // the invoice that billed the order
	Lines   []order.InvoiceLine
	Total   shop.Yen
}

// creditable is a billed order that may be credited: cancelled without
// its payment having taken money.
const creditable = `o.status = 'cancelled' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id
	AND p.state IN ('succeeded', 'captured', 'refunded', 'partially_refunded'))`

// creditMembers lists the members with creditable orders on invoices of
// months before month; the orders already credited are sorted out in
// pendingCredits.
func (s *Service) creditMembers(ctx context.Context, month string) ([]int64, error) {
	ids, err := s.memberIDs(ctx, `SELECT DISTINCT i.member_id FROM billing_invoices i
		JOIN billing_invoice_orders bo ON bo.invoice_id = i.id JOIN orders o ON o.id = bo.order_id
		WHERE i.month < $1 AND `+creditable+` ORDER BY i.member_id`, month)
	if err != nil {
		return nil, fmt.Errorf("members with credits: %w", err)
	}
	return ids, nil
}

// pendingCredits loads the member's creditable orders billed on invoices
// of months before month and credited on none of the member's invoices
// yet (the credits are read from the stored documents, which are the
// record), oldest first.
func pendingCredits(ctx context.Context, tx *sql.Tx, memberID int64, month string) ([]DocumentCredit, error) {
	credited := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT document FROM billing_invoices WHERE member_id = $1`, memberID)
	if err != nil {
		return nil, fmt.Errorf("credits given: %w", err)
	}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("credits given: %w", err)
		}
		var doc struct{ Credits []struct{ Number string } }
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("credits given: %w", err)
		}
		for _, c := range doc.Credits {
			credited[c.Number] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("credits given: %w", err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT o.number, i.number FROM billing_invoices i
		JOIN billing_invoice_orders bo ON bo.invoice_id = i.id JOIN orders o ON o.id = bo.order_id
		WHERE i.member_id = $1 AND i.month < $2 AND `+creditable+` ORDER BY o.created_at, o.id`, memberID, month)
	if err != nil {
		return nil, fmt.Errorf("orders to credit: %w", err)
	}
	type billed struct{ order, invoice string }
	var todo []billed
	for rows.Next() {
		var b billed
		if err := rows.Scan(&b.order, &b.invoice); err != nil {
			rows.Close()
			return nil, fmt.Errorf("orders to credit: %w", err)
		}
		if !credited[b.order] {
			todo = append(todo, b)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("orders to credit: %w", err)
	}
	var out []DocumentCredit
	for _, b := range todo {
		o, err := order.Load(ctx, tx, b.order)
		if err != nil {
			return nil, err
		}
		out = append(out, creditOf(o, b.invoice))
	}
	return out, nil
}

// creditOf is the cancelled order's credit: one line per tax rate, the
// shipping and payment fees counted at the standard rate as billed.
func creditOf(o *order.Order, invoice string) DocumentCredit {
	byRate := map[shop.TaxRate]shop.Yen{}
	for _, l := range o.Lines {
		byRate[l.TaxRate] += l.LineTotal
	}
	byRate[shop.RateStandard] += o.ShippingFee + o.CODFee
	c := DocumentCredit{Number: o.Number, Date: dateOnly(o.CreatedAt), Invoice: invoice}
	for _, rate := range []shop.TaxRate{shop.RateStandard, shop.RateReduced} {
		if amt := byRate[rate]; amt > 0 {
			l := order.InvoiceLine{Name: "キャンセル（" + invoice + "）", Quantity: 1,
				UnitPrice: amt, Amount: amt, TaxRate: rate}
			if rate == shop.RateReduced {
				l.Mark = order.ReducedMark
			}
			c.Lines = append(c.Lines, l)
			c.Total += amt
		}
	}
	return c
}

// addCredits puts the credits on the document: the returned amounts and
// their tax per rate (computed once per rate, as for the sales), and the
// total less them.
func addCredits(doc *Document, credits []DocumentCredit, st settings.Settings) error {
	if len(credits) == 0 {
		return nil
	}
	var lines []shop.TaxLine
	for _, c := range credits {
		for _, l := range c.Lines {
			lines = append(lines, shop.TaxLine{Rate: l.TaxRate, Amount: l.Amount})
			if l.Mark != "" {
				doc.HasReduced = true
			}
		}
		doc.Total -= c.Total
		doc.CreditTotal += c.Total
	}
	taxes, err := shop.ComputeTax(lines, shop.TaxIncluded, st.TaxRounding)
	if err != nil {
		return fmt.Errorf("invoice %s: credits: %w", doc.Number, err)
	}
	for _, t := range taxes {
		doc.CreditTaxes = append(doc.CreditTaxes, order.InvoiceTax{Rate: t.Rate, Total: t.Total(), Taxable: t.Taxable, Tax: t.Tax})
	}
	doc.Credits = credits
	return nil
}
