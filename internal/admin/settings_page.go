package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"kaede/internal/form"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// settingsView is the settings page's data: the values to show (saved, or
// as submitted after an error) and the prefectures grouped by region.
type settingsView struct {
	Values    url.Values
	Regions   []region
	Roundings []shop.Rounding
	// CarrierFormats are the carriers the shop's shipping method may use.
	CarrierFormats []string
	ReadOnly       bool
	Done           bool
}

// region is a group of prefectures on the shipping-fee form, the way
// Japanese carriers print their fee tables.
type region struct {
	Key   string // catalogue key
	Prefs []shop.Prefecture
}

var regions = func() []region {
	bounds := []struct {
		key      string
		from, to int
	}{
		{"region.hokkaido", 1, 1}, {"region.tohoku", 2, 7}, {"region.kanto", 8, 14},
		{"region.chubu", 15, 23}, {"region.kinki", 24, 30}, {"region.chugoku", 31, 35},
		{"region.shikoku", 36, 39}, {"region.kyushu", 40, 47},
	}
	out := make([]region, len(bounds))
	for i, b := range bounds {
		out[i] = region{Key: b.key, Prefs: shop.Prefectures[b.from-1 : b.to]}
	}
	return out
}()

// settingsPage shows the settings read-only, to every role that may read
// them; an owner gets a link to the edit form.
func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.showSettings(w, r, true)
}

// settingsEditPage is the form, behind a fresh second factor.
func (s *Server) settingsEditPage(w http.ResponseWriter, r *http.Request) {
	s.showSettings(w, r, false)
}

func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, readOnly bool) {
	set, err := s.settings.Get(r.Context())
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings", settingsView{Values: settingsValues(set), Regions: regions,
		Roundings: roundings, CarrierFormats: settings.CarrierFormats, ReadOnly: readOnly, Done: r.URL.Query().Get("done") == "saved"})
}

var roundings = []shop.Rounding{shop.RoundFloor, shop.RoundHalfUp, shop.RoundCeil}

// settingsSaveAction validates the form and saves the settings through the
// settings service, which audits the change in the same transaction and
// clears the cache the store shares, so that the store shows the change at
// once. Bad values show the form again naming every field (422).
func (s *Server) settingsSaveAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	before, err := s.settings.Get(ctx)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	f := newForm(r)
	after := settingsFromForm(f, before)
	problems := f.Problems()
	for field, reason := range shop.ErrorFields(after.Validate()) {
		problems.Add(field, reason)
	}
	if err := problems.Err(); err != nil {
		s.renderForm(w, r, "settings", settingsView{Values: r.PostForm, Regions: regions, Roundings: roundings, CarrierFormats: settings.CarrierFormats}, err)
		return
	}
	if err := s.settings.Save(ctx, after, s.actor(r).Actor); err != nil {
		s.renderForm(w, r, "settings", settingsView{Values: r.PostForm, Regions: regions, Roundings: roundings, CarrierFormats: settings.CarrierFormats}, err)
		return
	}
	http.Redirect(w, r, Prefix+"settings?done=saved", http.StatusSeeOther)
}

// feeField is the form field of a prefecture's shipping fee.
func feeField(code int) string { return "shipping_fees." + strconv.Itoa(code) }

// settingsValues writes the settings as the form's fields.
func settingsValues(s settings.Settings) url.Values {
	v := url.Values{}
	yen := func(y shop.Yen) string { return strconv.FormatInt(int64(y), 10) }
	on := func(b bool) string {
		if b {
			return "on"
		}
		return ""
	}
	for name, val := range map[string]string{
		"shop_name": s.ShopName, "shop_name_en": s.ShopNameEn, "company": s.Company,
		"responsible": s.Responsible, "postal_code": s.PostalCode, "address": s.Address,
		"phone": s.Phone, "email": s.Email, "invoice_number": s.InvoiceNumber,
		"tax_rounding": string(s.TaxRounding), "default_shipping_fee": yen(s.DefaultShippingFee),
		"free_shipping_threshold": yen(s.FreeShippingThreshold), "cod_fee": yen(s.CODFee),
		"cod_limit": yen(s.CODLimit), "bank": s.BankTransfer.Bank, "branch": s.BankTransfer.Branch,
		"account_type": s.BankTransfer.Type, "account_number": s.BankTransfer.Number,
		"holder_kana": s.BankTransfer.HolderKana, "payment_due_days": strconv.Itoa(s.PaymentDueDays),
		"enable_bank_transfer": on(s.EnableTransfer), "enable_cod": on(s.EnableCOD),
		"enable_konbini": on(s.EnableKonbini), "konbini_fee": yen(s.KonbiniFee),
		"konbini_expiry_days": strconv.Itoa(s.KonbiniExpiryDays),
		"enable_paypay":       on(s.EnablePayPay), "paypay_fee": yen(s.PayPayFee),
		"delivery_slots": strings.Join(s.DeliverySlots, "\n"), "delivery_min_days": strconv.Itoa(s.DeliveryMinDays),
		"delivery_max_days": strconv.Itoa(s.DeliveryMaxDays), "ship_within_days": strconv.Itoa(s.ShipWithinDays),
		"return_policy":                   s.ReturnPolicy,
		"retention.card_attempt_days":     strconv.Itoa(s.Retention.CardAttemptDays),
		"retention.incident_hold":         on(s.Retention.IncidentHold),
		"retention.idempotency_key_days":  strconv.Itoa(s.Retention.IdempotencyKeyDays),
		"retention.email_link_days":       strconv.Itoa(s.Retention.EmailLinkDays),
		"retention.session_days":          strconv.Itoa(s.Retention.SessionDays),
		"retention.abandoned_cart_days":   strconv.Itoa(s.Retention.AbandonedCartDays),
		"retention.inquiry_days":          strconv.Itoa(s.Retention.InquiryDays),
		"retention.order_years":           strconv.Itoa(s.Retention.OrderYears),
		"security.escalate_after_minutes": strconv.Itoa(s.Security.EscalateAfterMinutes),
		"security.business_start_hour":    strconv.Itoa(s.Security.BusinessStartHour),
		"security.business_end_hour":      strconv.Itoa(s.Security.BusinessEndHour),
		"desk.phone":                      s.Desk.Phone,
		"desk.open_hour":                  strconv.Itoa(s.Desk.OpenHour),
		"desk.close_hour":                 strconv.Itoa(s.Desk.CloseHour),
		"desk.first_response_hours":       strconv.Itoa(s.Desk.FirstResponseHours),
		"order_notice_email":              s.OrderNoticeEmail,
		"carrier.format":                  s.Carrier.Format,
		"carrier.yamato_billing_code":     s.Carrier.YamatoBillingCode,
		"carrier.yamato_freight_code":     s.Carrier.YamatoFreightCode,
		"carrier.sagawa_customer_code":    s.Carrier.SagawaCustomerCode,
		"monthly_invoice.enabled":         on(s.MonthlyInvoice.Enabled),
		"monthly_invoice.due_months":      strconv.Itoa(s.MonthlyInvoice.DueMonths),
		"monthly_invoice.due_earlier":     on(s.MonthlyInvoice.DueEarlier),
	} {
		v.Set(name, val)
	}
	for code, fee := range s.ShippingFees {
		v.Set(feeField(code), yen(fee))
	}
	return v
}

// settingsFromForm reads the form over base. A prefecture left empty pays
// the default fee.
func settingsFromForm(f *form.Form, base settings.Settings) settings.Settings {
	s := base
	s.ShopName, s.ShopNameEn = f.String("shop_name"), f.String("shop_name_en")
	s.Company, s.Responsible = f.String("company"), f.String("responsible")
	s.PostalCode, s.Address = f.String("postal_code"), f.String("address")
	s.Phone, s.Email = f.String("phone"), f.String("email")
	s.OrderNoticeEmail = shop.NormalizeEmail(f.String("order_notice_email"))
	s.InvoiceNumber = strings.ToUpper(shop.Normalize(f.String("invoice_number")))
	s.TaxRounding = shop.Rounding(f.String("tax_rounding"))
	s.ShippingFees = map[int]shop.Yen{}
	for _, p := range shop.Prefectures {
		if f.String(feeField(p.Code)) != "" {
			s.ShippingFees[p.Code] = f.Yen(feeField(p.Code))
		}
	}
	s.DefaultShippingFee = f.Yen("default_shipping_fee")
	s.FreeShippingThreshold = f.Yen("free_shipping_threshold")
	s.CODFee, s.CODLimit = f.Yen("cod_fee"), f.Yen("cod_limit")
	s.BankTransfer = settings.BankAccount{Bank: f.String("bank"), Branch: f.String("branch"),
		Type: f.String("account_type"), Number: f.String("account_number"), HolderKana: f.String("holder_kana")}
	s.PaymentDueDays = f.Int("payment_due_days")
	s.EnableTransfer, s.EnableCOD = f.Bool("enable_bank_transfer"), f.Bool("enable_cod")
	s.EnableKonbini, s.KonbiniFee = f.Bool("enable_konbini"), f.Yen("konbini_fee")
	s.KonbiniExpiryDays = f.Int("konbini_expiry_days")
	s.EnablePayPay, s.PayPayFee = f.Bool("enable_paypay"), f.Yen("paypay_fee")
	s.DeliverySlots = f.Lines("delivery_slots")
	s.DeliveryMinDays, s.DeliveryMaxDays = f.Int("delivery_min_days"), f.Int("delivery_max_days")
	s.ShipWithinDays = f.Int("ship_within_days")
	s.ReturnPolicy = strings.TrimSpace(strings.ReplaceAll(f.Raw("return_policy"), "\r\n", "\n"))
	s.Retention = settings.Retention{
		CardAttemptDays:    f.Int("retention.card_attempt_days"),
		IncidentHold:       f.Bool("retention.incident_hold"),
		IdempotencyKeyDays: f.Int("retention.idempotency_key_days"),
		EmailLinkDays:      f.Int("retention.email_link_days"),
		SessionDays:        f.Int("retention.session_days"),
		AbandonedCartDays:  f.Int("retention.abandoned_cart_days"),
		InquiryDays:        f.Int("retention.inquiry_days"),
		OrderYears:         f.Int("retention.order_years"),
	}
	s.Security = settings.Security{
		EscalateAfterMinutes: f.Int("security.escalate_after_minutes"),
		BusinessStartHour:    f.Int("security.business_start_hour"),
		BusinessEndHour:      f.Int("security.business_end_hour"),
	}
	s.Carrier = settings.CarrierContract{
		Format:             f.String("carrier.format"),
		YamatoBillingCode:  shop.Normalize(f.String("carrier.yamato_billing_code")),
		YamatoFreightCode:  shop.Normalize(f.String("carrier.yamato_freight_code")),
		SagawaCustomerCode: shop.Normalize(f.String("carrier.sagawa_customer_code")),
	}
	s.Desk = settings.Desk{
		Phone:              f.String("desk.phone"),
		OpenHour:           f.Int("desk.open_hour"),
		CloseHour:          f.Int("desk.close_hour"),
		FirstResponseHours: f.Int("desk.first_response_hours"),
	}
	s.MonthlyInvoice = settings.MonthlyInvoice{
		Enabled:    f.Bool("monthly_invoice.enabled"),
		DueMonths:  f.Int("monthly_invoice.due_months"),
		DueEarlier: f.Bool("monthly_invoice.due_earlier"),
	}
	return s
}
