package web

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kaede/internal/cart"
	"kaede/internal/checkout"
	"kaede/internal/order"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// checkoutFields are the checkout form's fields, named as checkout reports
// them in errors, so that a field's value and its message share one key.
// The confirmation screen carries them as hidden fields.
var checkoutFields = []string{
	"email",
	"shipping_address.name", "shipping_address.name_kana", "shipping_address.postal_code",
	"shipping_address.prefecture", "shipping_address.city", "shipping_address.line1",
	"shipping_address.line2", "shipping_address.phone",
	"delivery_date", "delivery_slot", "payment_method", "note", "coupon_code",
}

// formChoice is one choice of a select or a radio group.
type formChoice struct {
	Value, Label, Help string
	Selected           bool
}

// checkoutView is the checkout form's data.
type checkoutView struct {
	Values  url.Values
	Contact []ui.FormField
	Address []ui.FormField // ui.AddressFields, named shipping_address.*
	Cart    *cart.Cart
	Dates   []formChoice
	Slots   []formChoice
	Methods []formChoice
	MinDays int
	MaxDays int
	// PostcodeNote says what 「住所を検索」 filled in, or why it could not.
	PostcodeNote string
	// ErrorList is the summary above the form, in the form's order.
	ErrorList []string
}

// confirmView is the final confirmation screen's data: the quote and the
// form that places the order.
type confirmView struct {
	Quote      *checkout.Quote
	Lines      ui.OrderLines
	Method     string // catalogue key
	PaymentDue time.Time
	Hidden     []formChoice // Value and Label as name and value
	Key        string       // the idempotency key of this order button
	// Fingerprint is the quote's, posted back with the order button so
	// that the order is refused if it would differ (特定商取引法).
	Fingerprint string
	// Shown is the quote's lines and amounts in a compact form, posted
	// back so that a refused order can highlight what changed; the
	// fingerprint alone decides.
	Shown string
	// Changed is set when the screen is shown again because the order
	// changed since the customer last saw it.
	Changed                                      bool
	SubtotalChanged, ShippingChanged, CODChanged bool
	TotalChanged                                 bool
}

// checkoutPage is the checkout form, prefilled for a member with their
// e-mail and default address.
func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.currentCart(w, r, false)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// An empty cart, or a shop that takes no orders now: the cart page
	// says so and keeps the items.
	if len(c.Lines) == 0 || s.checkoutStopped(r) {
		http.Redirect(w, r, "/cart", http.StatusSeeOther)
		return
	}
	values, err := s.memberDefaults(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.checkoutView(r, c, values, nil)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "checkout", view)
}

// checkoutEdit is the confirmation screen's 「戻って修正する」: the form again
// with what was entered.
func (s *Server) checkoutEdit(w http.ResponseWriter, r *http.Request) {
	s.form(w, r) // reads the body into r.PostForm
	s.checkoutFormAgain(w, r, "", nil)
}

// checkoutFormAgain shows the checkout form with what was posted, a note
// under the address and, after a refused field, its sentence (422).
func (s *Server) checkoutFormAgain(w http.ResponseWriter, r *http.Request, note string, fieldErr error) {
	c, _, err := s.currentCart(w, r, false)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view, err := s.checkoutView(r, c, r.PostForm, fieldErr)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	view.PostcodeNote = note
	status := http.StatusOK
	if fieldErr != nil {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "checkout", view)
}

// checkoutConfirm quotes the order and shows the final confirmation screen,
// or the form again with a sentence for every bad field.
func (s *Server) checkoutConfirm(w http.ResponseWriter, r *http.Request) {
	if s.form(w, r); r.PostForm.Has(lookupButton) {
		s.checkoutLookup(w, r)
		return
	}
	in, err := s.storeCheckoutInput(w, r)
	if err != nil {
		s.refuseCheckout(w, r, err)
		return
	}
	q, err := s.checkout.Quote(r.Context(), in)
	if err != nil {
		s.refuseCheckout(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "confirm", confirmationView(info(r).Lang, q, r.PostForm))
}

// checkoutLookup is the checkout form's 「住所を検索」: the form again with
// the address filled from the postal code; nothing is quoted.
func (s *Server) checkoutLookup(w http.ResponseWriter, r *http.Request) {
	note, err := fillFromPostcode(info(r).Lang, r.PostForm, "shipping_address.")
	if err != nil && shop.ErrorCode(err) != shop.Invalid {
		s.renderError(w, r, err)
		return
	}
	s.checkoutFormAgain(w, r, note, err)
}

// checkoutPlace is the order button. The idempotency key makes a double
// submission return the order the first one placed.
func (s *Server) checkoutPlace(w http.ResponseWriter, r *http.Request) {
	in, err := s.storeCheckoutInput(w, r)
	if err != nil {
		s.refuseCheckout(w, r, err)
		return
	}
	in.IdempotencyKey = r.PostForm.Get("idempotency_key")
	in.Client = checkout.Client{Addr: info(r).IP, SessionKey: s.ensureSessionID(w, r)}
	// The store's order button always carries the fingerprint of the
	// screen it was on; a post without one confirmed nothing.
	in.QuoteFingerprint = r.PostForm.Get("quote_fingerprint")
	if in.QuoteFingerprint == "" {
		in.QuoteFingerprint = "none"
	}
	o, token, err := s.checkout.Place(r.Context(), in)
	if shop.ErrorCode(err) == shop.QuoteChanged {
		s.confirmAgain(w, r, in)
		return
	}
	if err != nil {
		s.logTooMany(r, "order", err)
		s.refuseCheckout(w, r, err)
		return
	}
	if o.PaymentMethod.ViaProvider() && o.Status == order.AwaitingPayment && s.payments != nil {
		s.redirectToPayment(w, r, o.Number, token)
		return
	}
	http.Redirect(w, r, "/orders/"+url.PathEscape(o.Number)+"/complete?token="+url.QueryEscape(token), http.StatusSeeOther)
}

// confirmAgain shows the final confirmation screen again, priced now,
// with what differs from the screen the customer confirmed highlighted
// and a sentence saying that nothing was ordered (409).
func (s *Server) confirmAgain(w http.ResponseWriter, r *http.Request, in checkout.Input) {
	q, err := s.checkout.Quote(r.Context(), in)
	if err != nil {
		s.refuseCheckout(w, r, err)
		return
	}
	view := confirmationView(info(r).Lang, q, r.PostForm)
	markChanges(&view, r.PostForm.Get("quote_shown"))
	s.render(w, r, http.StatusConflict, "confirm", view)
}

// refuseCheckout answers a failed quote or order: bad fields show the form
// again with the values kept (422); stock or eligibility problems show the
// cart, where they can be fixed; anything else is the error page.
func (s *Server) refuseCheckout(w http.ResponseWriter, r *http.Request, err error) {
	if shop.ErrorCode(err) != shop.Invalid {
		s.refuseCart(w, r, err)
		return
	}
	c, _, cartErr := s.currentCart(w, r, false)
	if cartErr != nil {
		s.renderError(w, r, cartErr)
		return
	}
	view, viewErr := s.checkoutView(r, c, r.PostForm, err)
	if viewErr != nil {
		s.renderError(w, r, viewErr)
		return
	}
	s.renderForm(w, r, "checkout", view, err)
}

// storeCheckoutInput reads the checkout form into checkout's input for the
// visitor's cart.
func (s *Server) storeCheckoutInput(w http.ResponseWriter, r *http.Request) (checkout.Input, error) {
	f := s.form(w, r)
	in := checkout.Input{
		Email: f.String("email"),
		Address: shop.Address{
			Name:       f.String("shipping_address.name"),
			NameKana:   f.String("shipping_address.name_kana"),
			PostalCode: f.String("shipping_address.postal_code"),
			Prefecture: f.Int("shipping_address.prefecture"),
			City:       f.String("shipping_address.city"),
			Line1:      f.String("shipping_address.line1"),
			Line2:      f.String("shipping_address.line2"),
			Phone:      f.String("shipping_address.phone"),
		},
		PaymentMethod: f.String("payment_method"),
		DeliveryDate:  f.String("delivery_date"),
		DeliverySlot:  f.String("delivery_slot"),
		Note:          f.String("note"),
		CouponCode:    f.String("coupon_code"),
		Locale:        info(r).Lang,
	}
	if err := f.Err(); err != nil {
		return in, err
	}
	c, viewer, err := s.currentCart(w, r, false)
	if err != nil {
		return in, err
	}
	in.CartID, in.Viewer = c.ID, viewer
	return in, nil
}

// memberDefaults is a member's e-mail and default address as form values;
// a guest gets an empty form.
func (s *Server) memberDefaults(r *http.Request) (url.Values, error) {
	v := url.Values{}
	m, err := s.currentMember(r)
	if err != nil || m == nil {
		return v, err
	}
	v.Set("email", m.Email)
	a, err := s.members.DefaultAddress(r.Context(), m.ID)
	if shop.ErrorCode(err) == shop.NotFound {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("default address: %w", err)
	}
	v.Set("shipping_address.name", a.Name)
	v.Set("shipping_address.name_kana", a.NameKana)
	v.Set("shipping_address.postal_code", a.PostalCode)
	v.Set("shipping_address.prefecture", strconv.Itoa(a.Prefecture))
	v.Set("shipping_address.city", a.City)
	v.Set("shipping_address.line1", a.Line1)
	v.Set("shipping_address.line2", a.Line2)
	v.Set("shipping_address.phone", a.Phone)
	return v, nil
}

// checkoutView builds the form's fields, with fieldErr's messages, and its choices from the shop's settings: the
// delivery dates it allows, its time slots and the payment methods it takes.
func (s *Server) checkoutView(r *http.Request, c *cart.Cart, values url.Values, fieldErr error) (*checkoutView, error) {
	st, err := s.settings.Get(r.Context())
	if err != nil {
		return nil, fmt.Errorf("checkout form: %w", err)
	}
	if values == nil {
		values = url.Values{}
	}
	lang := info(r).Lang
	view := &checkoutView{Values: values, Cart: c, MinDays: st.DeliveryMinDays, MaxDays: st.DeliveryMaxDays}
	msgs := ui.FieldMessages(lang, fieldErr)
	view.Contact = []ui.FormField{{Name: "email", ID: "f-email", Label: ui.T(lang, "account.field.email"), Type: "email",
		Auto: "email", MaxLength: 254, Help: ui.T(lang, "checkout.email.help"), Required: true,
		Marker: ui.T(lang, "account.required"), Value: values.Get("email"), Error: msgs["email"]}}
	view.Address = ui.AddressFields(lang, "shipping_address.", "f-", values, msgs)
	fieldOrder := []string{"email"}
	for _, f := range view.Address {
		fieldOrder = append(fieldOrder, f.Name)
	}
	view.ErrorList = ui.OrderedMessages(msgs, append(fieldOrder, "delivery_date", "delivery_slot", "payment_method", "note")...)
	anyDay := formChoice{Label: ui.T(lang, "checkout.any")}
	view.Dates = append(view.Dates, anyDay)
	first, last, err := s.checkout.DeliveryDates(r.Context(), st)
	if err != nil {
		return nil, fmt.Errorf("checkout form: %w", err)
	}
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		v := day.Format(time.DateOnly)
		view.Dates = append(view.Dates, formChoice{Value: v, Label: ui.Date(lang, day), Selected: v == values.Get("delivery_date")})
	}
	view.Slots = append(view.Slots, anyDay)
	for _, slot := range st.DeliverySlots {
		view.Slots = append(view.Slots, formChoice{Value: slot, Label: slot, Selected: slot == values.Get("delivery_slot")})
	}
	method := values.Get("payment_method")
	if st.EnableTransfer {
		view.Methods = append(view.Methods, formChoice{Value: string(order.BankTransfer), Label: ui.T(lang, "checkout.transfer"),
			Help: ui.T(lang, "checkout.transfer.help", st.PaymentDueDays), Selected: method == string(order.BankTransfer)})
	}
	if st.EnableCOD {
		view.Methods = append(view.Methods, formChoice{Value: string(order.COD), Label: ui.T(lang, "checkout.cod"),
			Help: ui.T(lang, "checkout.cod.help", st.CODFee.String(), st.CODLimit.String()), Selected: method == string(order.COD)})
	}
	card, err := s.checkout.CardOffered(r.Context())
	if err != nil {
		return nil, fmt.Errorf("checkout form: %w", err)
	}
	if card && s.payments != nil && s.payments.Available(r.Context()) {
		view.Methods = append(view.Methods, formChoice{Value: string(order.Card), Label: ui.T(lang, "checkout.card"),
			Help: ui.T(lang, "checkout.card.help"), Selected: method == string(order.Card)})
	}
	// Konbini and PayPay need the provider, not the card switch.
	if st.EnableKonbini && s.checkout.CardEnabled() && s.payments != nil {
		view.Methods = append(view.Methods, formChoice{Value: string(order.Konbini), Label: ui.T(lang, "checkout.konbini"),
			Help:     ui.T(lang, "checkout.konbini.help", st.KonbiniExpiryDays, st.KonbiniFee.String(), checkout.KonbiniLimit.String()),
			Selected: method == string(order.Konbini)})
	}
	if st.EnablePayPay && s.checkout.CardEnabled() && s.payments != nil {
		view.Methods = append(view.Methods, formChoice{Value: string(order.PayPay), Label: ui.T(lang, "checkout.paypay"),
			Help: ui.T(lang, "checkout.paypay.help", st.PayPayFee.String()), Selected: method == string(order.PayPay)})
	}
	if invoice, err := s.invoiceOffered(r, st); err != nil {
		return nil, fmt.Errorf("checkout form: %w", err)
	} else if invoice {
		view.Methods = append(view.Methods, formChoice{Value: string(order.Invoice), Label: ui.T(lang, "checkout.invoice"),
			Help: ui.T(lang, "checkout.invoice.help"), Selected: method == string(order.Invoice)})
	}
	return view, nil
}

// jstDay is the calendar day in Japan at t, as midnight UTC, the way
// checkout counts delivery dates.
func jstDay(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// storeLine is one line of the store's order-lines table, marked ※ at
// the reduced rate as the confirmation mail marks it.
func storeLine(name string, qty int, unit, total shop.Yen, rate shop.TaxRate) ui.OrderLine {
	l := ui.OrderLine{Name: name, Quantity: qty, UnitPrice: unit, LineTotal: total, TaxRate: rate}
	if rate == shop.RateReduced {
		l.Mark = order.ReducedMark
	}
	return l
}

// confirmationView prepares the final confirmation screen: the quote's
// lines in the page's language, the values to post again and a fresh
// idempotency key for the order button.
func confirmationView(lang string, q *checkout.Quote, values url.Values) confirmView {
	view := confirmView{Quote: q, Method: "confirm.pay." + methodKey(q.PaymentMethod), Key: newConfirmKey(),
		Lines: ui.OrderLines{Lang: lang}}
	for _, l := range q.Lines {
		name, label := l.ProductNameJa, l.LabelJa
		if lang == ui.English {
			name, label = l.ProductNameEn, l.LabelEn
			if name == "" {
				name = l.ProductNameJa
			}
		}
		if label != "" {
			name += " " + label
		}
		view.Lines.Lines = append(view.Lines.Lines, storeLine(name, l.Quantity, l.UnitPrice, l.LineTotal, l.TaxRate))
	}
	if due, err := time.Parse(time.DateOnly, q.PaymentDue); err == nil {
		view.PaymentDue = due
	}
	for _, name := range checkoutFields {
		view.Hidden = append(view.Hidden, formChoice{Value: name, Label: values.Get(name)})
	}
	view.Fingerprint = q.Fingerprint()
	view.Shown = shownQuote(q)
	return view
}

// shownQuote is the quote's lines (variant:quantity:unit price) and its
// subtotal, shipping, COD fee and total, as the confirmation form keeps
// them: "12:1:980,13:2:5500|11980|0|0|11980".
func shownQuote(q *checkout.Quote) string {
	lines := make([]string, len(q.Lines))
	for i, l := range q.Lines {
		lines[i] = fmt.Sprintf("%d:%d:%d", l.VariantID, l.Quantity, l.UnitPrice)
	}
	return fmt.Sprintf("%s|%d|%d|%d|%d", strings.Join(lines, ","), q.Subtotal, q.ShippingFee, q.CODFee, q.Total)
}

// markChanges highlights on view what differs from shown (shownQuote of
// the screen the customer confirmed): new or changed lines and amounts.
// shown comes from the client and only guides the eye; unreadable, it
// highlights every line.
func markChanges(view *confirmView, shown string) {
	view.Changed = true
	now := strings.Split(shownQuote(view.Quote), "|")
	was := strings.Split(shown, "|")
	if len(was) != len(now) {
		was = make([]string, len(now))
	}
	before := map[string]bool{}
	for _, l := range strings.Split(was[0], ",") {
		before[l] = true
	}
	for i, l := range strings.Split(now[0], ",") {
		if i < len(view.Lines.Lines) && !before[l] {
			view.Lines.Lines[i].Changed = true
		}
	}
	view.SubtotalChanged = was[1] != now[1]
	view.ShippingChanged = was[2] != now[2]
	view.CODChanged = was[3] != now[3]
	view.TotalChanged = was[4] != now[4]
}

func methodKey(m order.PaymentMethod) string {
	switch m {
	case order.COD:
		return "cod"
	case order.Card:
		return "card"
	case order.Invoice:
		return "invoice"
	case order.Konbini:
		return "konbini"
	case order.PayPay:
		return "paypay"
	}
	return "transfer"
}

// newConfirmKey is 128 random bits, base64url: one per rendering of the
// order button, so that a double click places one order.
func newConfirmKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
