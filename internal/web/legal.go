package web

import (
	"net/http"
	"sort"

	"kaede/internal/checkout"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// tokushohoView is the data of the 特定商取引法 notice beyond the settings
// every page carries.
type tokushohoView struct {
	Shipping []feeGroup
	Extra    string // the shop's free text, plain
	// Terms are the payment methods checkout offers and the shipping
	// time, in the words the confirmation screen uses.
	Terms checkout.Terms
}

// feeGroup is one line of the shipping fee table: the prefectures that pay
// one fee, or (Other) every prefecture not listed.
type feeGroup struct {
	Prefectures []int
	Fee         shop.Yen
	Other       bool
}

// tokushohoPage is the notice the Act on Specified Commercial Transactions
// requires, generated from the settings so that it always says what the
// checkout charges.
func (s *Server) tokushohoPage(w http.ResponseWriter, r *http.Request) {
	set, err := s.settings.Get(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	extra, err := s.loadContent(r.Context(), "tokushoho", lang(r))
	if err != nil && shop.ErrorCode(err) != shop.NotFound {
		s.renderError(w, r, err)
		return
	}
	terms, err := s.checkout.Terms(r.Context(), set, lang(r) == ui.English)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tokushoho", tokushohoView{Shipping: shippingTable(set), Extra: extra.Body, Terms: terms})
}

// shippingTable groups prefectures by fee, in JIS order (north to south),
// with the default fee last.
func shippingTable(set settings.Settings) []feeGroup {
	byFee := map[shop.Yen][]int{}
	for code, fee := range set.ShippingFees {
		if fee != set.DefaultShippingFee {
			byFee[fee] = append(byFee[fee], code)
		}
	}
	var out []feeGroup
	for fee, codes := range byFee {
		sort.Ints(codes)
		out = append(out, feeGroup{Prefectures: codes, Fee: fee})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Prefectures[0] < out[j].Prefectures[0] })
	return append(out, feeGroup{Fee: set.DefaultShippingFee, Other: true})
}

// contentPage serves the privacy policy and the terms of use.
func (s *Server) contentPage(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if slug != "privacy" && slug != "terms" {
		s.notFound(w, r)
		return
	}
	page, err := s.loadContent(r.Context(), slug, lang(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "legal", page)
}
