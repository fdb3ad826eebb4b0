package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"kaede/internal/catalog"
	"kaede/internal/checkout"
	"kaede/internal/edge"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// featuredCount is how many recommended products the top page shows.
const featuredCount = 8

// lowStock is the stock at or under which a variant is shown as
// 「残りわずか」, so that customers order before it runs out.
const lowStock = 3

// productCard is one product in a listing, ready to print.
type productCard struct {
	Lang              string // the page's, for the card's marks
	Slug              string
	URL               string
	Name              string
	Image             string // "" when the product has no photo
	ImageAlt          string
	Price             string // "¥1,980" or "¥1,980〜¥3,300", tax included
	MemberPrice       bool   // the price shown is the practitioner's price
	SoldOut           bool
	Stock             string // the badge's catalogue key: stockKey of all variants' stock
	PractitionersOnly bool
	Reduced           bool
}

// sortOption is one entry of a listing's sort menu.
type sortOption struct {
	Value, Label string
	Selected     bool
}

// listingView is the data of the top page, a category page and the search
// results: they share the product cards and the paging.
type listingView struct {
	Home       bool
	Notices    []noticePin // the top page's pinned incident notices
	News       []newsItem  // the top page's latest news
	Heading    string
	Category   *catalog.Category // nil on the top page and in search
	Crumbs     []NavLink         // a category page's trail under ホーム (breadcrumb.html)
	Categories []NavLink         // the top page's category list, a category's children
	// Cards are the listed products' cards, rendered (cardsHTML).
	Cards    []template.HTML
	Total    int
	From, To int // 1-based positions of the shown products
	Sorts    []sortOption
	Action   string     // where the sort form goes
	Hidden   url.Values // the sort form's other parameters (q, limit)
	Pager    edge.Pager
	// Tag is the search's tag filter, and Tags the shop's tags to choose
	// from (the search page only).
	Tag  string
	Tags []tagLink
}

// tagLink is one tag of the search page's filter.
type tagLink struct {
	Tag, URL string
	Selected bool
}

// homePage is the top page: the categories and the recommended products.
func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	viewer, err := s.viewer(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Recommend only what this viewer can put in the cart now.
	products, _, err := s.catalog.Search(r.Context(), catalog.Query{Limit: featuredCount, Public: !viewer.Practitioner, InStock: true})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	nav, err := s.navLinks(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	news, err := s.latestNews(r, lang)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	notices, err := s.pinnedNotices(r, lang)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	cards, err := s.cardsHTML(productCards(lang, viewer, products))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "listing", listingView{
		Home:       true,
		Notices:    notices,
		News:       news,
		Heading:    ui.T(lang, "home.title"),
		Categories: nav,
		Cards:      cards,
	})
}

// categoryPage lists a category's products and its descendants'.
func (s *Server) categoryPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.catalog.CategoryBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	view := listingView{Heading: c.Name(lang), Category: c, Action: "/category/" + c.Slug}
	if view.Crumbs, err = s.crumbs(r, c.Slug); err != nil {
		s.renderError(w, r, err)
		return
	}
	if n := len(view.Crumbs); n > 0 {
		view.Crumbs[n-1].URL = ""
	}
	for _, child := range c.Children {
		view.Categories = append(view.Categories, NavLink{URL: "/category/" + child.Slug, Label: child.Name(lang)})
	}
	s.listProducts(w, r, view, catalog.Query{Category: c.Slug})
}

// searchPage lists the products matching ?q=; no words list them all.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	lang := info(r).Lang
	f := s.form(w, r)
	q, tag := f.String("q"), catalog.NormalizeTag(f.Raw("tag"))
	view := listingView{Heading: ui.T(lang, "search.all"), Action: "/search", Tag: tag}
	switch {
	case q != "":
		view.Heading = ui.T(lang, "search.results", q)
	case tag != "":
		view.Heading = ui.T(lang, "search.tag", tag)
	}
	tags, err := s.catalog.Tags(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, t := range tags {
		view.Tags = append(view.Tags, tagLink{Tag: t, URL: "/search?" + url.Values{"tag": {t}}.Encode(), Selected: t == tag})
	}
	s.listProducts(w, r, view, catalog.Query{Q: q, Tag: tag})
}

// listProducts reads the paging and sort parameters, runs the query and
// renders the listing. Bad parameters are a 422 page naming the field.
func (s *Server) listProducts(w http.ResponseWriter, r *http.Request, view listingView, q catalog.Query) {
	f := s.form(w, r)
	q.Sort, q.Limit, q.Offset = f.String("sort"), f.Int("limit"), f.Int("offset")
	page := f.Page("page")
	if err := f.Err(); err != nil {
		s.renderError(w, r, err)
		return
	}
	if q.Limit == 0 {
		q.Limit = catalog.DefaultLimit
	}
	if page > 1 && q.Limit > 0 {
		q.Offset = (page - 1) * q.Limit
	}
	viewer, err := s.viewer(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	products, total, err := s.catalog.Search(r.Context(), q)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	lang := info(r).Lang
	if view.Cards, err = s.cardsHTML(productCards(lang, viewer, products)); err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Total = total
	if len(products) > 0 {
		view.From, view.To = q.Offset+1, q.Offset+len(products)
	}
	view.Sorts = sortOptions(lang, q.Sort)
	view.Hidden = url.Values{}
	if q.Q != "" {
		view.Hidden.Set("q", q.Q)
	}
	if q.Tag != "" {
		view.Hidden.Set("tag", q.Tag)
	}
	if q.Limit != catalog.DefaultLimit {
		view.Hidden.Set("limit", strconv.Itoa(q.Limit))
	}
	links := url.Values{}
	for k, vs := range view.Hidden {
		links[k] = vs
	}
	if q.Sort != "" {
		links.Set("sort", q.Sort)
	}
	view.Pager = edge.NewPager(view.Action, links, q.Offset/q.Limit+1, q.Limit, total)
	s.render(w, r, http.StatusOK, "listing", view)
}

func sortOptions(lang, current string) []sortOption {
	if current == "" {
		current = catalog.Sorts[0]
	}
	opts := make([]sortOption, len(catalog.Sorts))
	for i, v := range catalog.Sorts {
		opts[i] = sortOption{Value: v, Label: ui.T(lang, "sort."+v), Selected: v == current}
	}
	return opts
}

// productCards prepares the listing's cards for the viewer: the price is
// what they would pay, tax included.
func productCards(lang string, viewer shop.Viewer, products []catalog.Product) []productCard {
	cards := make([]productCard, len(products))
	for i, p := range products {
		c := productCard{
			Lang:              lang,
			Slug:              p.Slug,
			URL:               "/products/" + p.Slug,
			Name:              p.Name(lang),
			Price:             priceRange(lang, p, viewer),
			MemberPrice:       hasMemberPrice(p, viewer),
			SoldOut:           !p.InStock(),
			Stock:             stockKey(totalStock(p)),
			PractitionersOnly: p.PractitionersOnly,
			Reduced:           p.TaxClass == shop.TaxReduced,
		}
		if len(p.Images) > 0 {
			c.Image, c.ImageAlt = p.Images[0].Path, p.Images[0].Alt(lang)
		}
		cards[i] = c
	}
	return cards
}

// totalStock is the stock of all the product's variants together, for
// the card's badge.
func totalStock(p catalog.Product) int {
	n := 0
	for _, v := range p.Variants {
		n += max(v.Stock, 0)
	}
	return n
}

// priceRange is 「¥1,980」 or 「¥1,980〜¥3,300」, without the tax note.
func priceRange(lang string, p catalog.Product, viewer shop.Viewer) string {
	lo, hi := p.PriceRange(viewer)
	if lo == hi {
		return lo.String()
	}
	return ui.T(lang, "price.range", lo.String(), hi.String())
}

// hasMemberPrice reports whether the viewer sees a practitioner's price on
// some variant, so that the page can say so.
func hasMemberPrice(p catalog.Product, viewer shop.Viewer) bool {
	if !viewer.Practitioner {
		return false
	}
	for _, v := range p.Variants {
		if v.MemberPrice > 0 && v.MemberPrice != v.Price {
			return true
		}
	}
	return false
}

// variantRow is one line of the product page's variants table.
type variantRow struct {
	SKU      string
	Label    string
	Price    shop.Yen
	Member   bool   // Price is the practitioner's price
	Stock    string // catalogue key: in stock, low, out
	Buyable  bool   // has stock; the form is shown
	MaxOrder int
}

// productView is the product page's data.
type productView struct {
	Product  *catalog.Product
	Name     string
	Category *catalog.Category
	Crumbs   []NavLink // the trail under ホーム: the categories, then the product
	Images   []catalog.Image
	Variants []variantRow
	CanBuy   bool // the viewer may buy it (practitioners-only rule)
	Reduced  bool
	// Notice is the catalogue key of why adding to the cart failed.
	Notice string
	// Shipping is when the shop ships and the earliest delivery day,
	// counted with the shop's calendar; "" when it cannot be said.
	Shipping string
	Tags     []string
	// Related are the products staff chose to show with this one.
	Related []productCard
	// Member is set for a logged-in member: the お気に入り button and the
	// recently viewed products are theirs.
	Member    bool
	Favourite bool
	Recent    []productCard
}

// productPage shows a product with its variants and an add-to-cart form
// per variant.
func (s *Server) productPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.productView(r, r.PathValue("slug"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if id := CurrentSession(r).MemberID; id != 0 {
		if err := s.members.RecordView(r.Context(), id, view.Product.ID); err != nil {
			// The page is worth more than the list of it.
			s.log.Warn("recent view not recorded", "request_id", requestID(r), "error", err)
		}
	}
	s.render(w, r, http.StatusOK, "product", view)
}

// productView reads the product for the product page as the request's
// viewer sees it.
func (s *Server) productView(r *http.Request, slug string) (*productView, error) {
	p, err := s.catalog.ProductBySlug(r.Context(), slug)
	if err != nil {
		return nil, fmt.Errorf("product %q: %w", slug, err)
	}
	viewer, err := s.viewer(r)
	if err != nil {
		return nil, err
	}
	lang := info(r).Lang
	view := &productView{
		Product: p,
		Name:    p.Name(lang),
		Images:  p.Images,
		CanBuy:  p.BuyableBy(viewer),
		Reduced: p.TaxClass == shop.TaxReduced,
		Tags:    p.Tags,
	}
	if view.Related, err = s.cardsByID(r, viewer, p.Related, 0); err != nil {
		return nil, err
	}
	if err := s.memberExtras(r, view); err != nil {
		return nil, err
	}
	if st, err := s.settings.Get(r.Context()); err == nil && s.checkout != nil {
		// A courtesy line: the page does not fail for want of it.
		if first, _, err := s.checkout.DeliveryDates(r.Context(), st); err == nil {
			view.Shipping = checkout.ShippingNote(st, first, lang == ui.English)
		}
	}
	if p.CategorySlug != "" {
		if c, err := s.catalog.CategoryBySlug(r.Context(), p.CategorySlug); err == nil {
			view.Category = c
		} else if shop.ErrorCode(err) != shop.NotFound {
			return nil, err
		}
		if view.Crumbs, err = s.crumbs(r, p.CategorySlug); err != nil {
			return nil, err
		}
	}
	view.Crumbs = append(view.Crumbs, NavLink{Label: view.Name})
	for _, v := range p.Variants {
		view.Variants = append(view.Variants, variantRow{
			SKU:      v.SKU,
			Label:    v.Label(lang),
			Price:    v.PriceFor(viewer),
			Member:   viewer.Practitioner && v.MemberPrice > 0 && v.MemberPrice != v.Price,
			Stock:    stockKey(v.Stock),
			Buyable:  v.Stock > 0,
			MaxOrder: min(max(v.MaxPerOrder, 1), v.Stock, 99),
		})
	}
	return view, nil
}

// stockKey is how a variant's stock is shown: exact counts are the shop's
// business, 「残りわずか」 is the customer's.
func stockKey(stock int) string {
	switch {
	case stock <= 0:
		return "product.out"
	case stock <= lowStock:
		return "product.low_stock"
	}
	return "product.in_stock"
}
