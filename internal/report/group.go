package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// net is one order's figures: charged, refunded and the net per rate.
func net(sl order.Sale) (Figures, error) {
	f := Figures{Orders: 1, Gross: sl.Total, Refunds: sl.Refunded, Net: sl.Net()}
	shares := refundShares(sl)
	for i, t := range sl.Taxes {
		share := shares[i]
		tax := t.Tax
		switch {
		case share == t.Total():
			tax = 0
		case share > 0:
			back, err := shop.ComputeTax([]shop.TaxLine{{Rate: t.Rate, Amount: share}}, shop.TaxIncluded, sl.Rounding)
			if err != nil {
				return f, fmt.Errorf("order %s: %w", sl.Number, err)
			}
			tax -= back[0].Tax
		}
		f.add(t.Rate, t.Total()-share, tax)
	}
	return f, nil
}

// refundShares splits an order's refunds over its tax rates in proportion
// to what was charged at each, the remainder of the division to the first
// (highest) rate, so that the shares add up to the refunds exactly. A
// refund has no rate of its own: it gives back part of the whole order.
func refundShares(sl order.Sale) []shop.Yen {
	shares := make([]shop.Yen, len(sl.Taxes))
	if sl.Refunded <= 0 || sl.Total <= 0 || len(sl.Taxes) == 0 {
		return shares
	}
	var given shop.Yen
	for i, t := range sl.Taxes {
		shares[i] = shop.Yen(int64(sl.Refunded) * int64(t.Total()) / int64(sl.Total))
		given += shares[i]
	}
	shares[0] += sl.Refunded - given
	return shares
}

// add counts net sales and tax at a rate.
func (f *Figures) add(rate shop.TaxRate, sales, tax shop.Yen) {
	switch rate {
	case shop.RateStandard:
		f.Sales10, f.Tax10 = f.Sales10+sales, f.Tax10+tax
	case shop.RateReduced:
		f.Sales8, f.Tax8 = f.Sales8+sales, f.Tax8+tax
	}
}

// plus adds g's figures to f.
func (f *Figures) plus(g Figures) {
	f.Orders += g.Orders
	f.Quantity += g.Quantity
	f.Gross += g.Gross
	f.Refunds += g.Refunds
	f.Net += g.Net
	f.Sales10 += g.Sales10
	f.Tax10 += g.Tax10
	f.Sales8 += g.Sales8
	f.Tax8 += g.Tax8
}

// goodsNames names variants' products and categories for goods reports.
type goodsNames struct {
	product    map[int64]*catalog.Product // by variant id
	categories map[int64]*catalog.Category
}

func (s *Service) goodsNames(ctx context.Context) (goodsNames, error) {
	ps, err := s.catalog.AllProducts(ctx)
	if err != nil {
		return goodsNames{}, err
	}
	cats, err := s.catalog.Categories(ctx)
	if err != nil {
		return goodsNames{}, err
	}
	n := goodsNames{product: map[int64]*catalog.Product{}, categories: map[int64]*catalog.Category{}}
	for i := range ps {
		for _, v := range ps[i].Variants {
			n.product[v.ID] = &ps[i]
		}
	}
	var walk func([]*catalog.Category)
	walk = func(cs []*catalog.Category) {
		for _, c := range cs {
			n.categories[c.ID] = c
			walk(c.Children)
		}
	}
	walk(cats)
	return n, nil
}

// goodsKey is the row a line belongs to in a goods report, and its label.
// A line whose variant the catalogue no longer has stands alone under
// its SKU and the name it was sold under.
func (n goodsNames) goodsKey(by By, l order.SaleLine) (key, ja, en string) {
	p := n.product[l.VariantID]
	switch {
	case p == nil:
		return "sku:" + l.SKU, l.Name, l.Name
	case by == ByProduct:
		return strconv.FormatInt(p.ID, 10), p.NameJa, p.Name("en")
	}
	if c := n.categories[p.CategoryID]; c != nil {
		return strconv.FormatInt(c.ID, 10), c.NameJa, c.Name("en")
	}
	return "category:" + strconv.FormatInt(p.CategoryID, 10), p.CategorySlug, p.CategorySlug
}

// group builds the report of sales over p.
func group(p Period, sales []order.Sale, names goodsNames) (*Report, error) {
	r := &Report{Period: p, TaxByRow: !p.By.itemised()}
	rows := map[string]*Row{}
	var keys []string
	row := func(key, label, kind string) *Row {
		if rw, ok := rows[key]; ok {
			return rw
		}
		rows[key] = &Row{Key: key, Label: label, Kind: kind}
		keys = append(keys, key)
		return rows[key]
	}
	// Days and months are listed whole, a day without sales as zero, so
	// that a chart shows the gaps.
	switch p.By {
	case ByDay:
		for d := p.Start; d.Before(p.End); d = d.AddDate(0, 0, 1) {
			k := d.Format("2006-01-02")
			row(k, k, "")
		}
	case ByMonth:
		for m := time.Date(p.Start.Year(), p.Start.Month(), 1, 0, 0, 0, 0, shop.JST); m.Before(p.End); m = m.AddDate(0, 1, 0) {
			k := m.Format("2006-01")
			row(k, k, "")
		}
	}
	for _, sl := range sales {
		f, err := net(sl)
		if err != nil {
			return nil, err
		}
		r.Total.plus(f)
		switch p.By {
		case ByDay:
			row(sl.PlacedAt.In(shop.JST).Format("2006-01-02"), "", "").plus(f)
		case ByMonth:
			row(sl.PlacedAt.In(shop.JST).Format("2006-01"), "", "").plus(f)
		case ByMethod:
			row(string(sl.Method), order.PaymentLabel(sl.Method), "").plus(f)
		case ByCustomer:
			if sl.Member {
				row("member", "会員", "").plus(f)
			} else {
				row("guest", "ゲスト", "").plus(f)
			}
		default:
			goods(sl, p.By, names, row)
		}
	}
	if p.By.itemised() {
		for _, k := range keys {
			if rows[k].Kind == "" {
				r.Total.Quantity += rows[k].Quantity
			}
		}
		// Goods first, best sellers first; then what completes them.
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := rows[keys[i]], rows[keys[j]]
			if (a.Kind == "") != (b.Kind == "") {
				return a.Kind == ""
			}
			return a.Kind == "" && a.Net > b.Net
		})
	}
	for _, k := range keys {
		r.Rows = append(r.Rows, *rows[k])
	}
	return r, nil
}

// goods adds an order's lines to their goods rows, and what the lines do
// not hold (fees, discounts, refunds) to the rows that complete them.
func goods(sl order.Sale, by By, names goodsNames, row func(key, label, kind string) *Row) {
	seen := map[string]bool{}
	rest := sl.Total
	for _, l := range sl.Lines {
		key, ja, en := names.goodsKey(by, l)
		rw := row(key, ja, "")
		rw.LabelEn = en
		if !seen[key] {
			seen[key] = true
			rw.Orders++
		}
		rw.Quantity += l.Quantity
		rw.Gross += l.Total
		rw.Net += l.Total
		rw.add(l.TaxRate, l.Total, 0)
		rest -= l.Total
	}
	extra := func(kind, label string, amount shop.Yen) {
		if amount == 0 {
			return
		}
		rw := row(kind, label, kind)
		rw.Orders++
		rw.Gross += amount
		rw.Net += amount
	}
	extra("shipping", "送料", sl.ShippingFee)
	extra("cod_fee", "代引手数料", sl.CODFee)
	extra("adjustment", "値引き・調整", rest-sl.ShippingFee-sl.CODFee)
	if sl.Refunded != 0 {
		rw := row("refunds", "返金", "refunds")
		rw.Orders++
		rw.Refunds += sl.Refunded
		rw.Net -= sl.Refunded
	}
}
