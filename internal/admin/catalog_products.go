package admin

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaede/internal/catalog"
	"kaede/internal/edge"
	"kaede/internal/form"
	"kaede/internal/shop"
)

// productRow is one line of the product list.
type productRow struct {
	catalog.Product
	Stock  int      // all variants together
	Lowest shop.Yen // the lowest price
}

// productListView is the product list's data.
type productListView struct {
	Products   []productRow
	Total      int
	Categories []categoryOption
	Statuses   []string
	Filter     url.Values // q, category, status as asked
	Pager      edge.Pager
}

// productStatuses are the product statuses in the order the forms offer
// them: a new product starts as a draft.
var productStatuses = []string{catalog.StatusDraft, catalog.StatusPublished}

// productListPage lists products, drafts included, filtered by words, a
// category (with those beneath it) and a status, 50 to a page.
func (s *Server) productListPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := newForm(r)
	view := productListView{Statuses: productStatuses, Filter: url.Values{}}
	for _, k := range []string{"q", "category", "status"} {
		if v := f.String(k); v != "" {
			view.Filter.Set(k, v)
		}
	}
	cats, err := s.categoryOptions(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Categories = cats
	page := f.Page("page")
	q := catalog.AdminQuery{Q: view.Filter.Get("q"), Category: view.Filter.Get("category"), Status: view.Filter.Get("status"),
		Limit: catalog.DefaultAdminLimit, Offset: (page - 1) * catalog.DefaultAdminLimit}
	ps, total, err := s.catalog.AdminList(ctx, q)
	if err != nil {
		s.catalogFormError(w, r, "catalog_products", view, err, "", "")
		return
	}
	for _, p := range ps {
		row := productRow{Product: p}
		for i, v := range p.Variants {
			row.Stock += v.Stock
			if i == 0 || v.Price < row.Lowest {
				row.Lowest = v.Price
			}
		}
		view.Products = append(view.Products, row)
	}
	view.Total = total
	view.Pager = edge.NewPager(Prefix+"products", view.Filter, page, catalog.DefaultAdminLimit, total)
	s.render(w, r, http.StatusOK, "catalog_products", view)
}

// categoryOption is a category in a select or a row of the category
// page, with its depth in the tree.
type categoryOption struct {
	*catalog.Category
	Depth  int
	Indent string // full-width spaces that show the tree in a select
}

// categoryOptions flattens the category tree, parents before children.
func (s *Server) categoryOptions(ctx context.Context) ([]categoryOption, error) {
	roots, err := s.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	var out []categoryOption
	var walk func(cs []*catalog.Category, depth int)
	walk = func(cs []*catalog.Category, depth int) {
		for _, c := range cs {
			out = append(out, categoryOption{Category: c, Depth: depth, Indent: strings.Repeat("\u3000", depth)})
			walk(c.Children, depth+1)
		}
	}
	walk(roots, 0)
	return out, nil
}

// productView is the data of the product form, new or existing. Values
// fill the product form; for an existing product, the variants' and
// images' forms follow.
type productView struct {
	Product    *catalog.Product // nil for a new product
	Values     url.Values
	NewVariant url.Values // the add-variant form, as sent after an error
	Edited     int64      // the variant whose row was sent, to show what was typed
	Categories []categoryOption
	TaxClasses []shop.TaxClass
	Statuses   []string
	Done       string // catalogue key of the last action's confirmation
	// ImageRows are the product's images in order, each knowing whether
	// it can move up or down.
	ImageRows []imageRow
}

// imageRow is one image of the product page's gallery list.
type imageRow struct {
	catalog.Image
	First, Last bool
}

var taxClasses = []shop.TaxClass{shop.TaxStandard, shop.TaxReduced}

// productDone are the confirmations a product action may ask the product
// page to show (?done=…); anything else shows none.
var productDone = map[string]string{
	"created": "catalog.done.created", "saved": "catalog.done.saved", "variant_added": "catalog.done.variant_added",
	"variant_saved": "catalog.done.variant_saved", "stock": "catalog.done.stock", "variant_deleted": "catalog.done.variant_deleted",
	"image_added": "catalog.done.image_added", "image_removed": "catalog.done.image_removed",
	"image_moved": "catalog.done.image_moved", "tags_saved": "catalog.done.tags_saved", "related_saved": "catalog.done.related_saved",
}

// newProductView fills the form's choices; p is nil for a new product.
func (s *Server) newProductView(ctx context.Context, p *catalog.Product) (productView, error) {
	cats, err := s.categoryOptions(ctx)
	if err != nil {
		return productView{}, err
	}
	v := productView{Product: p, Categories: cats, TaxClasses: taxClasses, Statuses: productStatuses, NewVariant: url.Values{}}
	if p == nil {
		v.Values = url.Values{"tax_class": {string(shop.TaxStandard)}, "status": {catalog.StatusDraft}, "max_per_order": {"99"}}
	} else {
		v.Values = productValues(p)
		v.Values.Set("tags", strings.Join(p.Tags, "\n"))
		slugs, err := s.relatedSlugs(ctx, p)
		if err != nil {
			return productView{}, err
		}
		v.Values.Set("related", strings.Join(slugs, "\n"))
		for i, img := range p.Images {
			v.ImageRows = append(v.ImageRows, imageRow{Image: img, First: i == 0, Last: i == len(p.Images)-1})
		}
	}
	return v, nil
}

// productNewPage is the form for a new product with its first variant.
func (s *Server) productNewPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.newProductView(r.Context(), nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "catalog_product", view)
}

// productCreateAction creates the product with its first variant; the
// catalogue audits it. Bad input shows the form again with each field's
// sentence (422).
func (s *Server) productCreateAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	view, err := s.newProductView(ctx, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Values = r.PostForm
	f := newForm(r)
	p := productFromForm(f)
	p.Slug = f.String("slug")
	p.Variants = []catalog.Variant{variantFromForm(f, true)}
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	id, err := s.catalog.CreateProduct(ctx, p, s.catalogActor(r))
	if err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(id)+"?done=created", http.StatusSeeOther)
}

// productEditPage is an existing product's form, its variants with their
// stock, and its images.
func (s *Server) productEditPage(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Done = productDone[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "catalog_product", view)
}

// productPage loads the product of the path for its page.
func (s *Server) productPage(r *http.Request) (productView, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return productView{}, err
	}
	return s.productPageByID(r.Context(), id)
}

func (s *Server) productPageByID(ctx context.Context, id int64) (productView, error) {
	p, err := s.catalog.ProductByID(ctx, id)
	if err != nil {
		return productView{}, err
	}
	return s.newProductView(ctx, p)
}

// productUpdateAction saves the product form; the catalogue audits the
// product before and after.
func (s *Server) productUpdateAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.Values = r.PostForm
	f := newForm(r)
	p := productFromForm(f)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	u := catalog.ProductUpdate{CategoryID: p.CategoryID, NameJa: p.NameJa, NameEn: p.NameEn, NameKana: p.NameKana,
		DescriptionJa: p.DescriptionJa, DescriptionEn: p.DescriptionEn, TaxClass: p.TaxClass, Status: p.Status,
		PractitionersOnly: p.PractitionersOnly, Position: p.Position}
	if err := s.catalog.UpdateProduct(r.Context(), view.Product.ID, u, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=saved", http.StatusSeeOther)
}

// productURL is the product's page in the admin.
func productURL(id int64) string { return Prefix + "products/" + itoa(id) }

// productFromForm reads the product form's fields; the slug is read only
// on creation, since it is the product's address and never changes.
func productFromForm(f *form.Form) catalog.Product {
	return catalog.Product{
		CategoryID:        f.Int64("category_id"),
		NameJa:            f.String("name_ja"),
		NameEn:            f.String("name_en"),
		NameKana:          f.String("name_kana"),
		DescriptionJa:     f.Raw("description_ja"),
		DescriptionEn:     f.Raw("description_en"),
		TaxClass:          shop.TaxClass(f.String("tax_class")),
		Status:            f.String("status"),
		PractitionersOnly: f.Bool("practitioners_only"),
		Position:          f.Int("position"),
	}
}

// variantFromForm reads a variant form. A price left empty is a mistake,
// not a free product, so it is ReasonRequired; withStock reads the stock,
// which an existing variant changes through its own form only.
func variantFromForm(f *form.Form, withStock bool) catalog.Variant {
	if f.String("price") == "" {
		f.Fail("price", shop.ReasonRequired)
	}
	v := catalog.Variant{
		SKU:         f.String("sku"),
		LabelJa:     f.String("label_ja"),
		LabelEn:     f.String("label_en"),
		Price:       f.Yen("price"),
		MemberPrice: f.Yen("member_price"),
		MaxPerOrder: f.Int("max_per_order"),
	}
	if withStock {
		v.Stock = f.Int("stock")
	}
	return v
}

// productValues writes a product as its form's fields.
func productValues(p *catalog.Product) url.Values {
	v := url.Values{}
	v.Set("slug", p.Slug)
	v.Set("category_id", itoa(p.CategoryID))
	v.Set("name_ja", p.NameJa)
	v.Set("name_en", p.NameEn)
	v.Set("name_kana", p.NameKana)
	v.Set("description_ja", p.DescriptionJa)
	v.Set("description_en", p.DescriptionEn)
	v.Set("tax_class", string(p.TaxClass))
	v.Set("status", p.Status)
	if p.PractitionersOnly {
		v.Set("practitioners_only", "on")
	}
	v.Set("position", strconv.Itoa(p.Position))
	return v
}
