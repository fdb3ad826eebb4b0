// Package catalog is what the shop sells: categories (a tree), products with
// their variants (a needle's gauge × length, a towel's colour), images, and
// the search over them. Prices are stored tax-included (総額表示), in yen.
//
// Stock is changed only through this package (stock.go): checkout reserves
// it and order cancellation returns it, each in its own transaction.
package catalog

import (
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Service reads and writes the catalog.
type Service struct {
	db    *db.DB
	clock shop.Clock
	cache *cache // nil: no caching (see EnableCache)
}

// New returns a catalog on d whose writes are stamped with clock's time.
func New(d *db.DB, clock shop.Clock) *Service {
	return &Service{db: d, clock: clock}
}

// Product statuses: a draft is invisible to customers.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Product is one thing the shop sells, in one or more variants.
type Product struct {
	ID            int64
	Slug          string // the URL name: a-z, 0-9 and hyphens
	CategoryID    int64
	CategorySlug  string // filled on read; on create it may stand in for CategoryID
	NameJa        string
	NameEn        string // optional; Name("en") falls back to NameJa
	NameKana      string // the name's reading in katakana, for 五十音順; optional
	DescriptionJa string
	DescriptionEn string
	TaxClass      shop.TaxClass
	Status        string // StatusDraft or StatusPublished
	// PractitionersOnly marks controlled medical devices (管理医療機器) that
	// the shop sells to licensed practitioners only.
	PractitionersOnly bool
	Position          int // the shop's recommended order, lowest first
	Variants          []Variant
	Images            []Image
	// Tags are the staff's labels (「単回使用」, 「国産」), sorted, shown on
	// the product page and used to filter the catalogue.
	Tags []string
	// Related are the ids of the products staff chose to show with this
	// one, in their order; drafts among them are not shown to customers.
	Related   []int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Variant is one buyable option of a product, with its own SKU, price and stock.
type Variant struct {
	ID          int64
	ProductID   int64
	SKU         string
	LabelJa     string // e.g. 「0.16mm × 30mm」; empty for a product's only variant
	LabelEn     string
	Price       shop.Yen // tax included
	MemberPrice shop.Yen // tax included, for approved practitioners; 0 = none
	Stock       int
	MaxPerOrder int // 0 on create means the default, 99
}

// Image is a product photo served from the media directory.
type Image struct {
	Path  string // URL path, e.g. "/media/products/seirin-j-type.png"
	AltJa string
	AltEn string
	// Width and Height are the photo's size in pixels, 0 when not known:
	// pages give them to <img> so that the photo keeps its proportions.
	Width, Height int
}

// Name returns the product's name in lang ("ja" or "en"), falling back to
// Japanese where no English name was given.
func (p Product) Name(lang string) string { return pick(lang, p.NameJa, p.NameEn) }

// Description returns the product's description in lang, falling back to Japanese.
func (p Product) Description(lang string) string {
	return pick(lang, p.DescriptionJa, p.DescriptionEn)
}

// Label returns the variant's option label in lang, falling back to Japanese.
func (v Variant) Label(lang string) string { return pick(lang, v.LabelJa, v.LabelEn) }

// Alt returns the image's alternative text in lang, falling back to Japanese.
func (i Image) Alt(lang string) string { return pick(lang, i.AltJa, i.AltEn) }

func pick(lang, ja, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	return ja
}

// PriceFor returns the tax-included unit price viewer pays: the member price
// when there is one and the viewer is an approved practitioner.
func (v Variant) PriceFor(viewer shop.Viewer) shop.Yen {
	if viewer.Practitioner && v.MemberPrice > 0 && v.MemberPrice < v.Price {
		return v.MemberPrice
	}
	return v.Price
}

// BuyableBy reports whether viewer may buy the product at all: it is
// published and, if it is for practitioners only, the viewer is an approved
// practitioner. Stock is a separate question (InStock, Variant.Stock).
func (p Product) BuyableBy(viewer shop.Viewer) bool {
	if p.Status != StatusPublished {
		return false
	}
	return !p.PractitionersOnly || viewer.Practitioner
}

// PriceRange returns the lowest and highest price viewer pays across the
// variants, for 「¥1,980〜¥3,300」; both are 0 when there are no variants.
func (p Product) PriceRange(viewer shop.Viewer) (lowest, highest shop.Yen) {
	for i, v := range p.Variants {
		price := v.PriceFor(viewer)
		if i == 0 || price < lowest {
			lowest = price
		}
		if i == 0 || price > highest {
			highest = price
		}
	}
	return lowest, highest
}

// InStock reports whether any variant has stock.
func (p Product) InStock() bool {
	for _, v := range p.Variants {
		if v.Stock > 0 {
			return true
		}
	}
	return false
}

// Variant returns the product's variant with the id, or false.
func (p Product) Variant(id int64) (Variant, bool) {
	for _, v := range p.Variants {
		if v.ID == id {
			return v, true
		}
	}
	return Variant{}, false
}

// TaxRate is the consumption tax rate of the product's class.
func (p Product) TaxRate() shop.TaxRate { return p.TaxClass.Rate() }
