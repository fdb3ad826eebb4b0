package orderdoc

import (
	"strconv"
	"strings"
	"time"

	"kaede/internal/order"
	"kaede/internal/pdfdoc"
	"kaede/internal/shop"
)

// Slip draws the delivery slip (納品書) that goes into the parcel: the
// shop, the recipient, the items with reduced-rate ones marked, the fees
// and the total, and what the carrier collects on a cash-on-delivery
// order. The issue date is s.IssueDate, which the caller fixes
// (Service.Slip).
func Slip(s *order.DeliverySlip) ([]byte, error) {
	d := newDocument("納品書", s.Number, s.ShopName, s.IssueDate)
	title(d, "納品書")
	top := d.Y()
	meta(d, top, [2]string{"注文番号", s.Number}, [2]string{"ご注文日", date(s.OrderDate)},
		[2]string{"発行日", date(s.IssueDate)})

	// The recipient on the left, the shop on the right.
	y := top + 20
	d.SetY(y)
	to := s.To
	d.Text(pdfdoc.TextBlock{Text: "〒" + to.PostalCode, Size: 9.5, Width: 90})
	d.Text(pdfdoc.TextBlock{Text: s.ToPrefecture + to.City + to.Line1, Size: 9.5, Width: 90})
	if to.Line2 != "" {
		d.Text(pdfdoc.TextBlock{Text: to.Line2, Size: 9.5, Width: 90})
	}
	d.Gap(2)
	leftEnd := addressee(d, d.Y(), 88, to.Name) + 2
	shopEnd := y
	for _, line := range []struct {
		size float64
		text string
	}{{11, s.ShopName}, {9, "〒" + s.ShopPostalCode}, {9, s.ShopAddress}, {9, "TEL " + s.ShopPhone}} {
		d.SetY(shopEnd)
		d.Text(pdfdoc.TextBlock{Text: line.text, Size: line.size, X: issuerX, Width: right - issuerX})
		shopEnd = d.Y()
	}
	d.SetY(max(leftEnd, shopEnd) + 4)
	d.Text(pdfdoc.TextBlock{Text: "このたびはご注文いただき、誠にありがとうございます。下記の通り納品いたします。", Size: 9.5})
	d.Gap(2)

	t := pdfdoc.Table{Columns: []pdfdoc.Column{
		{Header: "品番", Width: 30},
		{Header: "品名", Width: 72},
		{Header: "数量", Width: 14, Align: pdfdoc.AlignRight},
		{Header: "単価（税込）", Width: 26, Align: pdfdoc.AlignRight},
		{Header: "金額（税込）", Width: 28, Align: pdfdoc.AlignRight},
	}}
	reduced := false
	for _, l := range s.Lines {
		t.Rows = append(t.Rows, []string{l.SKU, l.Name + l.Mark, strconv.Itoa(l.Quantity), l.UnitPrice.String(), l.Amount.String()})
		reduced = reduced || l.Mark != ""
	}
	if err := d.Table(t); err != nil {
		return nil, err
	}
	if reduced {
		d.Gap(1)
		d.Text(pdfdoc.TextBlock{Text: reducedNote, Size: 8.5})
	}
	d.Gap(3)
	sums := pdfdoc.Table{X: right - 70, Columns: []pdfdoc.Column{{Header: "内訳", Width: 40}, {Header: "金額", Width: 30, Align: pdfdoc.AlignRight}}}
	var items shop.Yen
	for _, l := range s.Lines {
		items += l.Amount
	}
	sums.Rows = append(sums.Rows, []string{"商品小計", items.String()}, []string{"送料", s.ShippingFee.String()})
	if s.CODFee > 0 {
		sums.Rows = append(sums.Rows, []string{order.FeeLabel(s.PaymentMethod, false), s.CODFee.String()})
	}
	sums.Rows = append(sums.Rows, []string{"合計（税込）", s.Total.String()})
	if err := d.Table(sums); err != nil {
		return nil, err
	}
	d.Gap(5)
	d.Text(pdfdoc.TextBlock{Text: "お支払方法：" + s.PaymentLabel, Size: 9.5})
	if s.CODAmount > 0 {
		d.Text(pdfdoc.TextBlock{Text: "代引金額（配達時にお支払い）：" + s.CODAmount.String(), Size: 9.5})
	}
	if s.DeliveryDate != "" || s.DeliverySlot != "" {
		d.Text(pdfdoc.TextBlock{Text: "お届け希望：" + deliveryWish(s.DeliveryDate, s.DeliverySlot), Size: 9.5})
	}
	if s.CustomerMessage != "" {
		d.Gap(2)
		d.Text(pdfdoc.TextBlock{Text: "ご連絡事項：" + s.CustomerMessage, Size: 9})
	}
	return finish(d, "delivery slip "+s.Number)
}

// deliveryWish prints the customer's wish for the delivery: the day (a
// YYYY-MM-DD as 2026年4月1日) and the time slot as chosen.
func deliveryWish(day, slot string) string {
	if t, err := time.ParseInLocation(time.DateOnly, day, shop.JST); err == nil {
		day = date(t)
	}
	return strings.TrimSpace(day + " " + slot)
}
