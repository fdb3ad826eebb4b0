package orderdoc

import (
	"fmt"
	"time"

	"kaede/internal/order"
	"kaede/internal/pdfdoc"
	"kaede/internal/shop"
)

// ReceiptCopy is one recorded download of an order's receipt: what the
// customer asked to be printed on it and when it was made. Copy 1 is the
// original; copy 2 is stamped 「再発行」.
type ReceiptCopy struct {
	Copy        int
	Addressee   string // 宛名, printed with 「様」
	Note        string // 但し書き, such as お品代として
	IssuedAt    time.Time
	RequestedBy string // "member:ID" or "guest": who downloaded it
}

// Reissued says the copy is not the original.
func (c ReceiptCopy) Reissued() bool { return c.Copy > 1 }

// refundedBy sums the refunds made by the time the copy was issued: a
// receipt states the money kept when it was made, so a copy made again
// later (ReissueReceipt) is the same file even after a further refund.
func refundedBy(refunds []order.Refund, at time.Time) shop.Yen {
	var sum shop.Yen
	for _, r := range refunds {
		if !r.CreatedAt.After(at) {
			sum += r.Amount
		}
	}
	return sum
}

// Receipt draws the receipt (領収書) of a paid order: the addressee and
// the note the customer chose, the amount received, the breakdown per tax
// rate with the consumption tax, and the issuer with its registration
// number, so that it serves as a simplified qualified invoice. The issue
// date is the download's recorded time; a second copy carries a red
// 「再発行」 stamp by the title. refunded is the money already given back
// (a partial refund): the amount is what the shop kept, and the order's
// total and the refund are stated below it, since a receipt may not
// acknowledge money the shop no longer holds.
func Receipt(doc *order.InvoiceDoc, c ReceiptCopy, refunded shop.Yen) ([]byte, error) {
	d := newDocument("領収書", doc.Number, doc.IssuerName, c.IssuedAt)
	title(d, "領収書")
	if c.Reissued() {
		reissueStamp(d)
	}
	top := d.Y()
	meta(d, top, [2]string{"No.", fmt.Sprintf("%s-%d", doc.Number, c.Copy)}, [2]string{"発行日", date(c.IssuedAt)})
	nameEnd := addressee(d, top+14, 130, c.Addressee)

	y := max(top+30, nameEnd+6)
	d.Frame(left+20, y, width-40, 20, 0.5, pdfdoc.Black)
	d.Label(left+24, y+6.5, 20, 11, pdfdoc.AlignLeft, pdfdoc.Black, "金額")
	d.Label(left+40, y+4, width-80, 22, pdfdoc.AlignCenter, pdfdoc.Black, (doc.Total-refunded).String()+"-")
	d.Label(right-44, y+7.5, 20, 9, pdfdoc.AlignRight, pdfdoc.Black, "（税込）")
	d.SetY(y + 26)
	d.Text(pdfdoc.TextBlock{Text: "但し　" + c.Note, Size: 11, X: left + 20, Width: width - 40})
	if refunded > 0 {
		d.Text(pdfdoc.TextBlock{Text: fmt.Sprintf("（ご注文金額 %s からご返金 %s を差し引いた額です）", doc.Total, refunded),
			Size: 9, X: left + 20, Width: width - 40})
	}
	d.Text(pdfdoc.TextBlock{Text: "上記正に領収いたしました。", Size: 11, X: left + 20, Width: width - 40})
	d.Gap(4)

	breakdown := d.Y()
	t := pdfdoc.Table{X: left, Columns: []pdfdoc.Column{
		{Header: "内訳", Width: 26},
		{Header: "税込金額", Width: 26, Align: pdfdoc.AlignRight},
		{Header: "消費税額", Width: 24, Align: pdfdoc.AlignRight},
	}}
	for _, tx := range doc.Taxes {
		t.Rows = append(t.Rows, []string{rateLabel(tx.Rate), tx.Total.String(), tx.Tax.String()})
	}
	if refunded > 0 {
		// A refund is an amount of money, not items: it is not split by
		// rate here; the breakdown above is the order's as placed.
		t.Rows = append(t.Rows, []string{"ご返金", "-" + refunded.String(), ""})
	}
	if err := d.Table(t); err != nil {
		return nil, err
	}
	if doc.HasReduced {
		d.Gap(1)
		d.Text(pdfdoc.TextBlock{Text: reducedNote, Size: 8, Width: 80})
	}
	d.Text(pdfdoc.TextBlock{Text: "取引年月日：" + date(doc.TransactionDate), Size: 8.5, Width: 80})
	d.Text(pdfdoc.TextBlock{Text: "注文番号：" + doc.Number, Size: 8.5, Width: 80})
	d.Text(pdfdoc.TextBlock{Text: "お支払方法：" + doc.PaymentLabel, Size: 8.5, Width: 80})
	leftEnd := d.Y()
	issuerEnd := issuerBlock(d, breakdown, doc)

	d.SetY(max(leftEnd, issuerEnd) + 6)
	if c.Reissued() {
		d.Text(pdfdoc.TextBlock{Text: "この領収書は再発行分です。原本と重複してご使用にならないようご注意ください。", Size: 8.5})
	}
	d.Text(pdfdoc.TextBlock{Text: "電子発行の領収書のため、収入印紙は貼付しておりません。", Size: 8.5})
	return finish(d, "receipt "+doc.Number)
}

// reissueStamp draws 「再発行」 in a red frame to the right of the title,
// where a shop would press its seal on a duplicate.
func reissueStamp(d *pdfdoc.Document) {
	const x, y, w, h = 150.0, pdfdoc.MarginTop - 1, 30.0, 11.0
	d.Frame(x, y, w, h, 0.6, pdfdoc.StampRed)
	d.Frame(x+0.9, y+0.9, w-1.8, h-1.8, 0.25, pdfdoc.StampRed)
	d.Label(x, y+2.6, w, 13, pdfdoc.AlignCenter, pdfdoc.StampRed, "再発行")
}
