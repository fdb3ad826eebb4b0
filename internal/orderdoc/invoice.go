package orderdoc

import (
	"strconv"

	"kaede/internal/order"
	"kaede/internal/pdfdoc"
)

// Invoice draws the qualified invoice (適格請求書) of doc: the issuer and
// its registration number, the dates, the lines with reduced-rate items
// marked ※, and the total and the consumption tax per rate. An unpaid
// bank transfer's invoice says where to pay and by when; a paid one says
// the money was received. The issue date is doc.IssueDate, which the
// caller fixes (Service.Invoice) so that the file can be made again.
func Invoice(doc *order.InvoiceDoc) ([]byte, error) {
	d := newDocument("適格請求書", doc.Number, doc.IssuerName, doc.IssueDate)
	title(d, "適格請求書")
	top := d.Y()
	meta(d, top, [2]string{"注文番号", doc.Number}, [2]string{"発行日", date(doc.IssueDate)},
		[2]string{"取引年月日", date(doc.TransactionDate)})
	nameEnd := addressee(d, top+20, 88, doc.RecipientName)
	below := issuerBlock(d, top+20, doc)

	y := max(below, nameEnd, top+40) + 4
	amountLabel := "ご請求金額"
	if doc.Paid {
		amountLabel = "お支払済金額"
	}
	amountBox(d, y, amountLabel, doc.Total.String())
	d.SetY(y + 18)
	if doc.Paid {
		d.Text(pdfdoc.TextBlock{Text: "上記の金額を正に領収いたしました。", Size: 9})
	} else {
		d.Text(pdfdoc.TextBlock{Text: "下記の通りご請求申し上げます。", Size: 9})
	}
	d.Gap(2)

	t := pdfdoc.Table{Columns: []pdfdoc.Column{
		{Header: "品名", Width: 80},
		{Header: "数量", Width: 14, Align: pdfdoc.AlignRight},
		{Header: "単価（税込）", Width: 26, Align: pdfdoc.AlignRight},
		{Header: "金額（税込）", Width: 28, Align: pdfdoc.AlignRight},
		{Header: "税率", Width: 22, Align: pdfdoc.AlignCenter},
	}}
	for _, l := range doc.Lines {
		t.Rows = append(t.Rows, []string{l.Name + l.Mark, strconv.Itoa(l.Quantity), l.UnitPrice.String(),
			l.Amount.String(), strconv.Itoa(int(l.TaxRate)) + "%" + l.Mark})
	}
	if err := d.Table(t); err != nil {
		return nil, err
	}
	if doc.HasReduced {
		d.Gap(1)
		d.Text(pdfdoc.TextBlock{Text: reducedNote, Size: 8.5})
	}
	d.Gap(4)
	if err := taxTable(d, doc.Taxes, doc.Total); err != nil {
		return nil, err
	}
	d.Gap(6)
	d.Text(pdfdoc.TextBlock{Text: "お支払方法：" + doc.PaymentLabel, Size: 9.5})
	if b := doc.BankAccount; b != nil {
		d.Text(pdfdoc.TextBlock{Text: "振込先：" + b.Bank + " " + b.Branch + " " + b.Type + " " + b.Number + " " + b.HolderKana, Size: 9.5})
		d.Text(pdfdoc.TextBlock{Text: "お支払期限：" + date(doc.PaymentDue), Size: 9.5})
		d.Text(pdfdoc.TextBlock{Text: "お振込手数料はお客様のご負担にてお願いいたします。", Size: 8.5})
	}
	return finish(d, "invoice "+doc.Number)
}

// amountBox draws the amount a document is about, large, in a box across
// the left of the page.
func amountBox(d *pdfdoc.Document, y float64, label, amount string) {
	d.Frame(left, y, 100, 14, 0.4, pdfdoc.Black)
	d.Label(left+3, y+4.5, 30, 10.5, pdfdoc.AlignLeft, pdfdoc.Black, label)
	d.Label(left+30, y+2.5, 50, 16, pdfdoc.AlignRight, pdfdoc.Black, amount)
	d.Label(left+81, y+5, 18, 9, pdfdoc.AlignLeft, pdfdoc.Black, "（税込）")
}
