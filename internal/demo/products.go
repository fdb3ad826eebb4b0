package demo

import (
	"fmt"
	"time"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// stockOf sets the few variants whose stock is not the usual 40: low stock
// shows 「残りわずか」, and one sold-out needle shows 「在庫切れ」.
var stockOf = map[string]int{
	"SEIRIN-J-0.12x40":   0,
	"SEIRIN-J-0.20x30":   2,
	"DAIZA-STRONG":       3,
	"FTOWEL-BRN-12":      1,
	"FOLDING-BED-60":     2,
	"BOOK-KEIKETSU":      1,
	"MOGUSA-TOCHO-100":   3,
	"KAEDE-CHN-0.30x100": 2,
}

// Products returns the demo products, in the shop's recommended order,
// created on the days before now. Their images are set by Seed.
func Products(now time.Time) []catalog.Product {
	var ps []catalog.Product
	for _, group := range [][]catalog.Product{needles(), pressNeedles(), supplies(), moxa(), oils(), linen(), bed(), books(), foods()} {
		ps = append(ps, group...)
	}
	now = now.UTC().Truncate(time.Microsecond)
	for i := range ps {
		ps[i].Position = i + 1
		// A stride through the last 60 days, minutes apart so that no two
		// products share a time: "newest" is not the reverse of the list.
		ps[i].CreatedAt = now.AddDate(0, 0, -(i*17)%60).Add(-time.Duration(i) * time.Minute)
		if ps[i].Status == "" {
			ps[i].Status = catalog.StatusPublished
		}
		for j, v := range ps[i].Variants {
			if n, ok := stockOf[v.SKU]; ok {
				ps[i].Variants[j].Stock = n
			}
		}
	}
	return ps
}

// product is a published, standard-rate product in the category.
func product(category, slug, ja, en, kana, descJa, descEn string, vs ...catalog.Variant) catalog.Product {
	return catalog.Product{Slug: slug, CategorySlug: category, NameJa: ja, NameEn: en, NameKana: kana,
		DescriptionJa: descJa, DescriptionEn: descEn, TaxClass: shop.TaxStandard, Variants: vs}
}

// variant is an option with the usual stock of 40 and no member price.
func variant(sku, ja, en string, price shop.Yen) catalog.Variant {
	return catalog.Variant{SKU: sku, LabelJa: ja, LabelEn: en, Price: price, Stock: 40}
}

// memberPrice gives v a member price for approved practitioners.
func memberPrice(v catalog.Variant, price shop.Yen) catalog.Variant {
	v.MemberPrice = price
	return v
}

// practitionersOnly marks a controlled medical device (管理医療機器).
func practitionersOnly(p catalog.Product) catalog.Product {
	p.PractitionersOnly = true
	return p
}

// reduced puts food and drink at the reduced 8% rate.
func reduced(p catalog.Product) catalog.Product {
	p.TaxClass = shop.TaxReduced
	return p
}

// needleSizes returns the gauge × length matrix of a needle, one variant
// per size, with SKUs such as SEIRIN-J-0.16x30.
func needleSizes(prefix string, gauges []string, lengths []int, price, forMembers shop.Yen) []catalog.Variant {
	var vs []catalog.Variant
	for _, g := range gauges {
		for _, l := range lengths {
			label := fmt.Sprintf("%smm × %dmm", g, l)
			vs = append(vs, memberPrice(variant(fmt.Sprintf("%s-%sx%d", prefix, g, l), label, label, price), forMembers))
		}
	}
	return vs
}
