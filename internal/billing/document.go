package billing

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"kaede/internal/order"
	"kaede/internal/pdfdoc"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// Document is everything the monthly invoice's PDF shows, fixed when the
// invoice is issued and stored with it as JSON. It is a qualified invoice
// (適格請求書): the issuer and its registration number, the date of each
// sale, what was sold with the reduced-rate items marked, the total and
// the consumption tax per rate, and the recipient. The tax is computed
// once per rate over the whole invoice, as the invoice rules require;
// rounding each order's tax and adding them up is not allowed.
type Document struct {
	Number             string
	Month              string // YYYY-MM
	IssuedOn           string // YYYY-MM-DD
	DueOn              string // YYYY-MM-DD
	Recipient          string // printed with 御中
	IssuerName         string
	ShopName           string
	IssuerPostalCode   string
	IssuerAddress      string
	IssuerPhone        string
	RegistrationNumber string
	Bank               settings.BankAccount
	Orders             []DocumentOrder
	Taxes              []order.InvoiceTax // per rate, highest first
	Rounding           shop.Rounding
	HasReduced         bool
	// Credits are orders billed before and cancelled since (returns.go),
	// with their amount and tax per rate; Total is net of them.
	Credits     []DocumentCredit   `json:",omitempty"`
	CreditTaxes []order.InvoiceTax `json:",omitempty"`
	CreditTotal shop.Yen           `json:",omitempty"`
	Total       shop.Yen           // tax included
}

// DocumentOrder is one order billed: its number, its day and its lines
// (items, then the shipping fee).
type DocumentOrder struct {
	Number string
	Date   string // YYYY-MM-DD, Tokyo
	Lines  []order.InvoiceLine
	Total  shop.Yen
}

// newDocument builds the invoice's document from its orders and the
// shop's settings now.
func newDocument(inv *Invoice, orders []*order.Order, st settings.Settings) (Document, error) {
	doc := Document{Number: inv.Number, Month: inv.Month, IssuedOn: dateOnly(inv.IssuedOn), DueOn: dateOnly(inv.DueOn),
		Recipient: inv.Company, IssuerName: st.Company, ShopName: st.ShopName, IssuerPostalCode: st.PostalCode,
		IssuerAddress: st.Address, IssuerPhone: st.Phone, RegistrationNumber: st.InvoiceNumber,
		Bank: st.BankTransfer, Rounding: st.TaxRounding}
	var taxLines []shop.TaxLine
	for _, o := range orders {
		do := DocumentOrder{Number: o.Number, Date: dateOnly(o.CreatedAt), Total: o.Total}
		for _, l := range o.Lines {
			il := order.InvoiceLine{Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.LineTotal, TaxRate: l.TaxRate}
			if l.TaxRate == shop.RateReduced {
				il.Mark, doc.HasReduced = order.ReducedMark, true
			}
			do.Lines = append(do.Lines, il)
		}
		for _, fee := range []struct {
			name   string
			amount shop.Yen
		}{{"送料", o.ShippingFee}, {order.FeeLabel(o.PaymentMethod, false), o.CODFee}} {
			if fee.amount > 0 {
				do.Lines = append(do.Lines, order.InvoiceLine{Name: fee.name, Quantity: 1, UnitPrice: fee.amount,
					Amount: fee.amount, TaxRate: shop.RateStandard})
			}
		}
		for _, l := range do.Lines {
			taxLines = append(taxLines, shop.TaxLine{Rate: l.TaxRate, Amount: l.Amount})
			doc.Total += l.Amount
		}
		doc.Orders = append(doc.Orders, do)
	}
	taxes, err := shop.ComputeTax(taxLines, shop.TaxIncluded, st.TaxRounding)
	if err != nil {
		return doc, fmt.Errorf("invoice %s: %w", inv.Number, err)
	}
	for _, t := range taxes {
		doc.Taxes = append(doc.Taxes, order.InvoiceTax{Rate: t.Rate, Total: t.Total(), Taxable: t.Taxable, Tax: t.Tax})
	}
	return doc, nil
}

// Render lays the document out as an A4 PDF. The same document gives the
// same bytes: the creation date is the issue date, never the clock.
func Render(doc Document) ([]byte, error) {
	issued, err := time.ParseInLocation(time.DateOnly, doc.IssuedOn, shop.JST)
	if err != nil {
		return nil, fmt.Errorf("render invoice: issued on: %w", err)
	}
	due, err := time.ParseInLocation(time.DateOnly, doc.DueOn, shop.JST)
	if err != nil {
		return nil, fmt.Errorf("render invoice: due on: %w", err)
	}
	d := pdfdoc.New(pdfdoc.Options{Title: "請求書 " + doc.Number, Author: doc.IssuerName, Created: issued})
	d.AddPage()
	const half = (pdfdoc.PageWidth - pdfdoc.MarginLeft - pdfdoc.MarginRight) / 2
	right := pdfdoc.MarginLeft + half
	d.Text(pdfdoc.TextBlock{Text: "請求書（適格請求書）", Size: 18, Align: pdfdoc.AlignCenter})
	d.Gap(2)
	top := d.Y()
	d.Text(pdfdoc.TextBlock{Text: "請求番号：" + doc.Number + "\n発行日：" + pdfdoc.JapaneseDate(issued) +
		"\n対象期間：" + jaMonth(doc.Month) + "ご注文分", Size: 9.5, X: right, Width: half, Align: pdfdoc.AlignRight})
	rightEnd := d.Y()
	d.SetY(top)
	d.Text(pdfdoc.TextBlock{Text: doc.Recipient + "　御中", Size: 14, Width: half})
	d.SetY(max(rightEnd, d.Y()))
	d.Gap(3)
	issuerTop := d.Y()
	d.Text(pdfdoc.TextBlock{Text: "下記のとおりご請求申し上げます。", Size: 10, Width: half})
	d.Gap(2)
	if doc.Total < 0 {
		// The credits exceed the month's sales: nothing to pay, the shop
		// owes the difference.
		d.Text(pdfdoc.TextBlock{Text: "差引ご返金額（税込）　" + (-doc.Total).String(), Size: 14, Width: half})
	} else {
		d.Text(pdfdoc.TextBlock{Text: "ご請求金額（税込）　" + doc.Total.String(), Size: 14, Width: half})
		d.Text(pdfdoc.TextBlock{Text: "お支払期限　" + pdfdoc.JapaneseDate(due), Size: 11, Width: half})
	}
	leftEnd := d.Y()
	d.SetY(issuerTop)
	issuer := doc.IssuerName + "\n" + doc.ShopName + "\n〒" + doc.IssuerPostalCode + "\n" + doc.IssuerAddress +
		"\nTEL " + doc.IssuerPhone + "\n登録番号：" + doc.RegistrationNumber
	d.Text(pdfdoc.TextBlock{Text: issuer, Size: 9.5, X: right, Width: half})
	d.SetY(max(leftEnd, d.Y()))
	d.Gap(3)
	b := doc.Bank
	d.Text(pdfdoc.TextBlock{Text: "お振込先：" + b.Bank + " " + b.Branch + " " + b.Type + " " + b.Number + " " + b.HolderKana +
		"（振込手数料はお客様のご負担にてお願い申し上げます）", Size: 9.5})
	d.Gap(3)

	rows := [][]string{}
	for _, o := range doc.Orders {
		for i, l := range o.Lines {
			date, number := "", ""
			if i == 0 {
				date, number = shortDate(o.Date), o.Number
			}
			rows = append(rows, []string{date, number, l.Name + l.Mark, strconv.Itoa(l.Quantity),
				l.UnitPrice.String(), l.Amount.String(), strconv.Itoa(int(l.TaxRate)) + "%"})
		}
		rows = append(rows, []string{"", "", "ご注文合計", "", "", o.Total.String(), ""})
	}
	for _, c := range doc.Credits {
		for i, l := range c.Lines {
			date, number := "", ""
			if i == 0 {
				date, number = shortDate(c.Date), c.Number
			}
			rows = append(rows, []string{date, number, l.Name + l.Mark, strconv.Itoa(l.Quantity),
				"-" + l.UnitPrice.String(), "-" + l.Amount.String(), strconv.Itoa(int(l.TaxRate)) + "%"})
		}
	}
	err = d.Table(pdfdoc.Table{Size: 8, Columns: []pdfdoc.Column{
		{Header: "日付", Width: 14},
		{Header: "注文番号", Width: 30},
		{Header: "品名", Width: 59},
		{Header: "数量", Width: 10, Align: pdfdoc.AlignRight},
		{Header: "単価（税込）", Width: 21, Align: pdfdoc.AlignRight},
		{Header: "金額（税込）", Width: 22, Align: pdfdoc.AlignRight},
		{Header: "税率", Width: 12, Align: pdfdoc.AlignRight},
	}, Rows: rows})
	if err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", doc.Number, err)
	}
	d.Gap(4)
	var taxRows [][]string
	for _, t := range doc.Taxes {
		label := strconv.Itoa(int(t.Rate)) + "%対象"
		if t.Rate == shop.RateReduced {
			label = strconv.Itoa(int(t.Rate)) + "%対象（軽減税率" + order.ReducedMark + "）"
		}
		taxRows = append(taxRows, []string{label, t.Total.String(), t.Taxable.String(), t.Tax.String()})
	}
	if len(doc.Credits) > 0 {
		for _, t := range doc.CreditTaxes {
			taxRows = append(taxRows, []string{"返還 " + strconv.Itoa(int(t.Rate)) + "%対象",
				"-" + t.Total.String(), "-" + t.Taxable.String(), "-" + t.Tax.String()})
		}
	}
	taxRows = append(taxRows, []string{"合計", doc.Total.String(), "", ""})
	err = d.Table(pdfdoc.Table{X: pdfdoc.MarginLeft + 50, Columns: []pdfdoc.Column{
		{Header: "税率区分", Width: 40},
		{Header: "合計（税込）", Width: 27, Align: pdfdoc.AlignRight},
		{Header: "税抜金額", Width: 27, Align: pdfdoc.AlignRight},
		{Header: "消費税額", Width: 26, Align: pdfdoc.AlignRight},
	}, Rows: taxRows})
	if err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", doc.Number, err)
	}
	d.Gap(3)
	note := "消費税額は、この請求書の税率ごとの合計額から一回で計算しております（" + roundingJa(doc.Rounding) + "）。"
	if doc.HasReduced {
		note = order.ReducedMark + "は軽減税率（8%）対象品目です。" + note
	}
	d.Text(pdfdoc.TextBlock{Text: note, Size: 9})
	if len(doc.Credits) > 0 {
		d.Text(pdfdoc.TextBlock{Text: "キャンセルの行と返還の税率区分は、既にご請求したご注文のうちキャンセルとなった分の返還（適格返還請求書）です。" +
			"日付は元のご注文日、消費税額は返還額の税率ごとの合計から一回で計算しております。", Size: 9})
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", doc.Number, err)
	}
	return buf.Bytes(), nil
}

// shortDate is YYYY-MM-DD as MM/DD: the year is the invoice's month's.
func shortDate(date string) string {
	if len(date) != len(time.DateOnly) {
		return date
	}
	return date[5:7] + "/" + date[8:]
}

// roundingJa names the rounding of the tax.
func roundingJa(r shop.Rounding) string {
	switch r {
	case shop.RoundHalfUp:
		return "1円未満四捨五入"
	case shop.RoundCeil:
		return "1円未満切り上げ"
	}
	return "1円未満切り捨て"
}
