package admin

import (
	"fmt"
	"net/http"

	"kaede/internal/catalog"
	"kaede/internal/shop"
)

// variantAddAction adds a variant to the product of the path. Its errors
// need no prefix: no other form on the product page has these fields.
func (s *Server) variantAddAction(w http.ResponseWriter, r *http.Request) {
	view, err := s.productPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.NewVariant = r.PostForm
	f := newForm(r)
	v := variantFromForm(f, true)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	if _, err := s.catalog.AddVariant(r.Context(), view.Product.ID, v, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, "", "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=variant_added#variants", http.StatusSeeOther)
}

// variantPage loads the product page of the variant of the path. The
// variant's form names its product (a hidden field) so that the page can
// be shown again; the variant must belong to it, or it is NotFound, so
// that the field steers nothing but the page shown.
func (s *Server) variantPage(r *http.Request) (productView, int64, error) {
	id, err := catalogPathID(r, "id")
	if err != nil {
		return productView{}, 0, err
	}
	f := newForm(r)
	productID := f.Int64("product")
	if f.Err() != nil || productID <= 0 {
		return productView{}, 0, shop.Errorf(shop.NotFound, "no such variant")
	}
	view, err := s.productPageByID(r.Context(), productID)
	if err != nil {
		return productView{}, 0, err
	}
	if _, ok := view.Product.Variant(id); !ok {
		return productView{}, 0, fmt.Errorf("variant %d of product %d: %w", id, productID, shop.Errorf(shop.NotFound, "no such variant"))
	}
	view.Edited = id
	return view, id, nil
}

// variantKey prefixes the errors of one variant's row.
func variantKey(id int64) string { return "v" + itoa(id) + "." }

// variantUpdateAction saves a variant's labels, prices and limit per
// order; the catalogue audits it.
func (s *Server) variantUpdateAction(w http.ResponseWriter, r *http.Request) {
	view, id, err := s.variantPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	v := variantFromForm(f, false)
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, variantKey(id), "")
		return
	}
	u := catalog.VariantUpdate{LabelJa: v.LabelJa, LabelEn: v.LabelEn, Price: v.Price, MemberPrice: v.MemberPrice, MaxPerOrder: v.MaxPerOrder}
	if err := s.catalog.UpdateVariant(r.Context(), id, u, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, variantKey(id), "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=variant_saved#variants", http.StatusSeeOther)
}

// variantStockAction sets a variant's stock to a counted number (棚卸し);
// the catalogue audits the stock before and after.
func (s *Server) variantStockAction(w http.ResponseWriter, r *http.Request) {
	view, id, err := s.variantPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	if f.String("stock") == "" {
		f.Fail("stock", shop.ReasonRequired)
	}
	stock := f.Int("stock")
	if err := f.Err(); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, variantKey(id), "")
		return
	}
	if err := s.catalog.SetStock(r.Context(), id, stock, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, variantKey(id), "")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=stock#variants", http.StatusSeeOther)
}

// variantDeleteAction deletes a variant that was never ordered. An ordered
// variant, or a product's last, is refused with a sentence saying what to
// do instead.
func (s *Server) variantDeleteAction(w http.ResponseWriter, r *http.Request) {
	view, id, err := s.variantPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.catalog.DeleteVariant(r.Context(), id, s.catalogActor(r)); err != nil {
		s.catalogFormError(w, r, "catalog_product", view, err, variantKey(id), "catalog.variant.delete_conflict")
		return
	}
	http.Redirect(w, r, productURL(view.Product.ID)+"?done=variant_deleted#variants", http.StatusSeeOther)
}
