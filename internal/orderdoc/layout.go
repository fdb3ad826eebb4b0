// Package orderdoc makes the documents of an order as PDF: the qualified
// invoice (適格請求書), the delivery slip (納品書) and the receipt (領収書)
// that a customer downloads, at most twice, after paying. Each is drawn
// by package pdfdoc with the embedded Japanese font from what the order
// recorded (order.InvoiceDoc, order.DeliverySlip) and, for a receipt, from
// the download's own row, so that the same order and the same download
// always give the same bytes.
package orderdoc

import (
	"bytes"
	"fmt"
	"time"

	"kaede/internal/order"
	"kaede/internal/pdfdoc"
	"kaede/internal/shop"
)

// The page's frame: the content runs between the margins, 170 mm wide;
// the issuer's block sits in the right half, as Japanese forms put it.
const (
	left    = pdfdoc.MarginLeft
	width   = pdfdoc.PageWidth - pdfdoc.MarginLeft - pdfdoc.MarginRight
	right   = left + width
	issuerX = 118.0
	metaX   = 128.0
)

// date prints a day as Japanese documents do, in Tokyo: 2026年4月1日.
func date(t time.Time) string { return pdfdoc.JapaneseDate(t.In(shop.JST)) }

// newDocument starts the document kind (適格請求書…) of the order number.
// Its information dictionary is fixed by what it shows: its creation date
// is the document's issue date, so that making it again gives the same
// bytes. Each page's foot names the document and the page.
func newDocument(kind, number, author string, issued time.Time) *pdfdoc.Document {
	return pdfdoc.New(pdfdoc.Options{Title: kind + " " + number, Author: author, Created: issued.UTC(),
		Footer: func(page int) string { return fmt.Sprintf("%s　%s　%d / {nb}", kind, number, page) }})
}

// finish writes the document out.
func finish(d *pdfdoc.Document, what string) ([]byte, error) {
	var b bytes.Buffer
	if _, err := d.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return b.Bytes(), nil
}

// title draws the document's name centred at the top of the page.
func title(d *pdfdoc.Document, s string) {
	d.AddPage()
	d.Label(left, pdfdoc.MarginTop, width, 20, pdfdoc.AlignCenter, pdfdoc.Black, s)
	d.SetY(pdfdoc.MarginTop + 14)
}

// meta draws label–value pairs flush right under the title (the number,
// the dates), leaving the cursor where it was.
func meta(d *pdfdoc.Document, y float64, pairs ...[2]string) {
	for _, p := range pairs {
		d.Label(metaX, y, 22, 9, pdfdoc.AlignLeft, pdfdoc.Black, p[0])
		d.Label(metaX+22, y, right-metaX-22, 9, pdfdoc.AlignRight, pdfdoc.Black, p[1])
		y += 5
	}
}

// addressee draws 「name 様」 on the left, underlined, as a form addresses
// its reader: at 14 pt, smaller for a long name down to 11 pt, and
// wrapped above the rule at 11 pt when even that is too wide, which stays
// readable where a smaller size on one line would not. It returns the y
// under the rule.
func addressee(d *pdfdoc.Document, y, w float64, name string) float64 {
	s := name + "　様"
	size := 14.0
	for size > 11 && d.TextWidth(s, size) > w {
		size -= 0.5
	}
	if d.TextWidth(s, size) <= w {
		d.Label(left, y, w, size, pdfdoc.AlignLeft, pdfdoc.Black, s)
		y += 8
	} else {
		d.SetY(y)
		d.Text(pdfdoc.TextBlock{Text: s, Size: size, Width: w})
		y = d.Y() + 1
	}
	d.Rule(left, y, left+w, y, 0.3, pdfdoc.Black)
	return y
}

// issuerBlock draws who issues the document, with the invoice
// registration number, from y down in the right half; it returns the y
// under it.
func issuerBlock(d *pdfdoc.Document, y float64, doc *order.InvoiceDoc) float64 {
	type line struct {
		size float64
		text string
	}
	lines := []line{{11, doc.IssuerName}}
	if doc.ShopName != "" && doc.ShopName != doc.IssuerName {
		lines = append(lines, line{9, doc.ShopName})
	}
	lines = append(lines, line{9, "〒" + doc.IssuerPostalCode}, line{9, doc.IssuerAddress},
		line{9, "TEL " + doc.IssuerPhone}, line{9, "登録番号 " + doc.RegistrationNumber})
	for _, l := range lines {
		d.SetY(y)
		d.Text(pdfdoc.TextBlock{Text: l.text, Size: l.size, X: issuerX, Width: right - issuerX})
		y = d.Y()
	}
	return y
}

// rateLabel names a tax rate's group, marked when it is the reduced one.
func rateLabel(r shop.TaxRate) string {
	if r == shop.RateReduced {
		return fmt.Sprintf("%d%%対象%s", r, order.ReducedMark)
	}
	return fmt.Sprintf("%d%%対象", r)
}

// reducedNote explains the mark, as a qualified invoice must.
const reducedNote = order.ReducedMark + "は軽減税率（8%）対象品目です。"

// taxTable draws the total and the consumption tax per rate, as recorded
// with the order, and the grand total.
func taxTable(d *pdfdoc.Document, taxes []order.InvoiceTax, total shop.Yen) error {
	t := pdfdoc.Table{X: right - 110, Columns: []pdfdoc.Column{
		{Header: "税率区分", Width: 26},
		{Header: "税込金額", Width: 28, Align: pdfdoc.AlignRight},
		{Header: "税抜金額", Width: 28, Align: pdfdoc.AlignRight},
		{Header: "消費税額", Width: 28, Align: pdfdoc.AlignRight},
	}}
	for _, tx := range taxes {
		t.Rows = append(t.Rows, []string{rateLabel(tx.Rate), tx.Total.String(), tx.Taxable.String(), tx.Tax.String()})
	}
	t.Rows = append(t.Rows, []string{"合計", total.String(), "", ""})
	return d.Table(t)
}
