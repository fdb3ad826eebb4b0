package admin

import (
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// The admin's order pages draw their lines with the store's shared
// order-lines partial; these turn the order package's lines into its shape.

// detailLines are the order page's lines with SKU and tax rate, and under
// them the amounts and the tax per rate.
func detailLines(lang string, o *order.Order) ui.OrderLines {
	t := func(key string, args ...any) string { return ui.Admin.T(lang, key, args...) }
	v := ui.OrderLines{Lang: lang, SKU: true, Rate: true}
	for _, l := range o.Lines {
		name := l.Name
		if lang == ui.English && l.NameEn != "" {
			name = l.NameEn
		}
		line := ui.OrderLine{SKU: l.SKU, Name: name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.LineTotal, TaxRate: l.TaxRate}
		if l.TaxRate == shop.RateReduced {
			line.Mark = order.ReducedMark
		}
		v.Lines = append(v.Lines, line)
	}
	v.Foot = append(v.Foot,
		ui.OrderTotal{Label: t("orders.subtotal"), Value: o.Subtotal.String()},
		ui.OrderTotal{Label: t("orders.shipping"), Value: o.ShippingFee.String()})
	if o.CODFee != 0 {
		v.Foot = append(v.Foot, ui.OrderTotal{Label: order.FeeLabel(o.PaymentMethod, lang == ui.English), Value: o.CODFee.String()})
	}
	v.Foot = append(v.Foot, ui.OrderTotal{Label: t("orders.total"), Value: o.Total.String(), ID: "order-total", Class: "total"})
	for _, x := range o.Taxes {
		v.Foot = append(v.Foot, ui.OrderTotal{Label: t("orders.tax.rate", int(x.Rate)),
			Value: t("orders.tax.amount", x.Taxable.String(), x.Tax.String()), Class: "tax"})
	}
	return v
}

// invoiceLines are the invoice's lines, fees included, with the tax rate;
// the tax per rate has a table of its own.
func invoiceLines(lang string, doc *order.InvoiceDoc) ui.OrderLines {
	v := ui.OrderLines{Lang: lang, Rate: true}
	for _, l := range doc.Lines {
		v.Lines = append(v.Lines, ui.OrderLine{Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.Amount, TaxRate: l.TaxRate, Mark: l.Mark})
	}
	return v
}

// slipLines are the delivery slip's items with SKU, and under them the
// fees and the total.
func slipLines(lang string, s *order.DeliverySlip) ui.OrderLines {
	t := func(key string) string { return ui.Admin.T(lang, key) }
	v := ui.OrderLines{Lang: lang, ID: "slip-lines", SKU: true}
	for _, l := range s.Lines {
		v.Lines = append(v.Lines, ui.OrderLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, LineTotal: l.Amount, Mark: l.Mark})
	}
	v.Foot = append(v.Foot, ui.OrderTotal{Label: t("orders.shipping"), Value: s.ShippingFee.String()})
	if s.CODFee != 0 {
		v.Foot = append(v.Foot, ui.OrderTotal{Label: order.FeeLabel(s.PaymentMethod, lang == ui.English), Value: s.CODFee.String()})
	}
	v.Foot = append(v.Foot, ui.OrderTotal{Label: t("invoice.total"), Value: s.Total.String()})
	return v
}
