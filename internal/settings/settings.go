// Package settings holds the shop's own settings: who the seller is (for the
// 特定商取引法 notice and the invoice), how tax is computed, shipping and
// cash-on-delivery fees, bank-transfer details and delivery options.
package settings

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"kaede/internal/db"
	"kaede/internal/shop"
)

// Settings is everything the shop owner sets once and changes rarely.
type Settings struct {
	ShopName      string `json:"shop_name"`
	ShopNameEn    string `json:"shop_name_en"`
	Company       string `json:"company"`     // the seller's legal name
	Responsible   string `json:"responsible"` // 運営責任者
	PostalCode    string `json:"postal_code"`
	Address       string `json:"address"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	InvoiceNumber string `json:"invoice_number"` // T + 13 digits

	// Prices are entered and stored tax-included (総額表示); the tax of an
	// order is computed from them once per rate, rounded this way.
	TaxRounding shop.Rounding `json:"tax_rounding"`

	// ShippingFees maps a prefecture's JIS code to its fee (tax included);
	// prefectures not listed pay DefaultShippingFee.
	ShippingFees          map[int]shop.Yen `json:"shipping_fees"`
	DefaultShippingFee    shop.Yen         `json:"default_shipping_fee"`
	FreeShippingThreshold shop.Yen         `json:"free_shipping_threshold"` // 0: never free
	CODFee                shop.Yen         `json:"cod_fee"`
	CODLimit              shop.Yen         `json:"cod_limit"` // the carrier's ceiling for COD

	BankTransfer   BankAccount `json:"bank_transfer"`
	PaymentDueDays int         `json:"payment_due_days"` // bank transfer: pay within N days
	EnableTransfer bool        `json:"enable_bank_transfer"`
	EnableCOD      bool        `json:"enable_cod"`
	// Konbini (コンビニ決済) and PayPay go through the payment provider:
	// checkout offers them only while the shop has one. Each adds its fee
	// to the order (tax included, taxed at the standard rate like the COD
	// fee); a konbini voucher can be paid for KonbiniExpiryDays days
	// (1–60, to 23:59 JST of the last), and the order holds its stock as
	// long.
	EnableKonbini     bool     `json:"enable_konbini"`
	KonbiniFee        shop.Yen `json:"konbini_fee"`
	KonbiniExpiryDays int      `json:"konbini_expiry_days"`
	EnablePayPay      bool     `json:"enable_paypay"`
	PayPayFee         shop.Yen `json:"paypay_fee"`
	DeliverySlots     []string `json:"delivery_slots"`    // e.g. 午前中, 14時〜16時
	DeliveryMinDays   int      `json:"delivery_min_days"` // earliest date: today + N
	DeliveryMaxDays   int      `json:"delivery_max_days"` // latest date: today + N
	ShipWithinDays    int      `json:"ship_within_days"`  // shown as the delivery time
	ReturnPolicy      string   `json:"return_policy"`     // shown on the confirmation screen

	// Carrier is how the shop's shipping method hands parcels over: the
	// carrier whose label software the shipment CSV is written for, and
	// the shop's contract numbers with it.
	Carrier CarrierContract `json:"carrier"`

	// Retention is how long data the shop no longer needs is kept before
	// the periodic clean-up jobs delete it.
	Retention Retention `json:"retention"`

	// Security is when security alerts escalate and what counts as
	// business hours for the off-hours detector.
	Security Security `json:"security"`

	// Desk is the inquiry desk (お問い合わせ窓口): its phone number and
	// hours, shown on the store, and its first-response target.
	Desk Desk `json:"desk"`

	// OrderNoticeEmail is where the shop is told of a new order and of a
	// customer's cancellation; empty sends them to Email.
	OrderNoticeEmail string `json:"order_notice_email"`

	// Limits slow down one client placing orders, sending e-mail or
	// creating carts (limits.go).
	Limits Limits `json:"limits"`

	// MonthlyInvoice is 請求書払い for the business customers the shop
	// has approved (package billing).
	MonthlyInvoice MonthlyInvoice `json:"monthly_invoice"`
}

// MonthlyInvoice is how the shop bills business customers by month: one
// invoice for the month's orders, issued after the month ends.
type MonthlyInvoice struct {
	// Enabled offers the method at checkout, to approved customers only.
	Enabled bool `json:"enabled"`
	// DueMonths is when an invoice is due: the last day of the month
	// that many months after the month billed (1: 翌月末払い).
	DueMonths int `json:"due_months"`
	// DueEarlier moves a due date that falls on a bank holiday to the
	// business day before it; otherwise to the business day after.
	DueEarlier bool `json:"due_earlier"`
}

// DefaultMonthlyInvoice bills at the end of the month, due at the end of
// the next.
func DefaultMonthlyInvoice() MonthlyInvoice {
	return MonthlyInvoice{Enabled: true, DueMonths: 1}
}

func (m MonthlyInvoice) validate(p shop.Problems) {
	if m.DueMonths < 1 || m.DueMonths > 3 {
		p.Add("monthly_invoice.due_months", shop.ReasonRange)
	}
}

// OrderNoticeTo is the address the shop's own order notices go to, or ""
// for none. The contact address (Email) is checked as text only, since
// the pages show it as the shop typed it; when it cannot be a mailbox the
// notices go nowhere rather than fail the customer's order.
func (s Settings) OrderNoticeTo() string {
	if s.OrderNoticeEmail != "" {
		return s.OrderNoticeEmail
	}
	p := shop.Problems{}
	shop.CheckEmail(p, "email", s.Email)
	if p.Err() != nil {
		return ""
	}
	return s.Email
}

// Retention is how long, in days, each kind of leftover data is kept. The
// capability that owns each table deletes what is older in its Prune,
// which a periodic job calls (cmd/kaede). Shorter is better for personal
// data; the lower bounds are what the shop's own features need.
type Retention struct {
	// CardAttemptDays keeps card attempts (fraud_attempts: the customer's
	// IP address and hashes of the session and e-mail). At least
	// MinCardAttemptDays, so that every card-testing window is whole.
	CardAttemptDays int `json:"card_attempt_days"`
	// IncidentHold stops the pruning of card attempts and IP blocks, and
	// of the inquiries about an incident, while an incident is being
	// investigated, so that the evidence (the IP addresses) and what
	// customers reported stay. Turn it off when the incident is closed: the
	// next run then deletes everything past CardAttemptDays.
	IncidentHold bool `json:"incident_hold"`
	// IdempotencyKeyDays keeps checkout idempotency keys: a client retries
	// a checkout within minutes, not days.
	IdempotencyKeyDays int `json:"idempotency_key_days"`
	// EmailLinkDays keeps the tokens of e-mailed verification and reset
	// links (member_tokens) after they expire. The name avoids "token":
	// the audit log redacts fields named so, and this is no secret.
	EmailLinkDays int `json:"email_link_days"`
	// SessionDays keeps staff and customer sessions after they end, so
	// that looking into a session just ended (a staff session keeps its
	// IP address) still finds it.
	SessionDays int `json:"session_days"`
	// AbandonedCartDays keeps a cart nobody changed for that long.
	AbandonedCartDays int `json:"abandoned_cart_days"`
	// InquiryDays keeps a closed inquiry (the customer's name, address
	// and message, and the replies) for that long after it was closed.
	// IncidentHold keeps those about an incident.
	InquiryDays int `json:"inquiry_days"`
	// OrderYears keeps an order's personal data (the customer's name,
	// address, phone, e-mail and message) for that many years after it was
	// placed: the tax laws keep the books and their documents 7 years (10
	// in a year with a loss carried forward). After it, the order keeps its
	// number, lines, amounts and taxes, and names nobody.
	OrderYears int `json:"order_years"`
}

// MinCardAttemptDays is the shortest CardAttemptDays: twice the longest
// card-testing window (a day, internal/fraud), so that the windows and
// the admin's card-testing status always count whole periods.
const MinCardAttemptDays = 2

// BankAccount is where bank-transfer customers pay (振込先).
type BankAccount struct {
	Bank       string `json:"bank"`
	Branch     string `json:"branch"`
	Type       string `json:"type"` // 普通 or 当座
	Number     string `json:"number"`
	HolderKana string `json:"holder_kana"`
}

var invoiceNumber = regexp.MustCompile(`^T[0-9]{13}$`)

// ValidInvoiceNumber reports whether s is a qualified-invoice registration
// number: "T" followed by 13 digits.
func ValidInvoiceNumber(s string) bool { return invoiceNumber.MatchString(s) }

// Validate reports every bad setting by its JSON name.
func (s Settings) Validate() error {
	p := shop.Problems{}
	shop.CheckText(p, "shop_name", s.ShopName, true, 100)
	shop.CheckText(p, "company", s.Company, true, 100)
	shop.CheckText(p, "address", s.Address, true, 200)
	shop.CheckText(p, "phone", s.Phone, true, 20)
	shop.CheckText(p, "email", s.Email, true, 254)
	if s.OrderNoticeEmail != "" {
		shop.CheckEmail(p, "order_notice_email", s.OrderNoticeEmail)
	}
	if !ValidInvoiceNumber(s.InvoiceNumber) {
		p.Add("invoice_number", shop.ReasonFormat)
	}
	if !s.TaxRounding.Valid() {
		p.Add("tax_rounding", shop.ReasonChoice)
	}
	for code, fee := range s.ShippingFees {
		if _, ok := shop.PrefectureByCode(code); !ok {
			p.Add("shipping_fees", shop.ReasonChoice)
		}
		if fee < 0 || fee > 100000 {
			p.Add("shipping_fees", shop.ReasonRange)
		}
	}
	for name, v := range map[string]shop.Yen{"default_shipping_fee": s.DefaultShippingFee,
		"free_shipping_threshold": s.FreeShippingThreshold, "cod_fee": s.CODFee, "cod_limit": s.CODLimit} {
		if v < 0 || v > 10_000_000 {
			p.Add(name, shop.ReasonRange)
		}
	}
	if s.PaymentDueDays < 1 || s.PaymentDueDays > 60 {
		p.Add("payment_due_days", shop.ReasonRange)
	}
	for name, v := range map[string]shop.Yen{"konbini_fee": s.KonbiniFee, "paypay_fee": s.PayPayFee} {
		if v < 0 || v > 100_000 {
			p.Add(name, shop.ReasonRange)
		}
	}
	if s.KonbiniExpiryDays < 1 || s.KonbiniExpiryDays > 60 {
		p.Add("konbini_expiry_days", shop.ReasonRange)
	}
	if s.DeliveryMinDays < 0 || s.DeliveryMaxDays < s.DeliveryMinDays || s.DeliveryMaxDays > 90 {
		p.Add("delivery_max_days", shop.ReasonRange)
	}
	if s.ShipWithinDays < 0 || s.ShipWithinDays > 60 {
		p.Add("ship_within_days", shop.ReasonRange)
	}
	for _, slot := range s.DeliverySlots {
		shop.CheckText(p, "delivery_slots", slot, true, 30)
	}
	shop.CheckText(p, "return_policy", s.ReturnPolicy, true, 2000)
	s.Retention.validate(p)
	s.Security.validate(p)
	s.Desk.validate(p)
	s.Limits.validate(p)
	s.Carrier.validate(p)
	s.MonthlyInvoice.validate(p)
	return p.Err()
}

// validate adds the retention periods out of range, named
// "retention.<field>".
func (r Retention) validate(p shop.Problems) {
	for _, c := range []struct {
		name     string
		v        int
		min, max int
	}{
		{"retention.card_attempt_days", r.CardAttemptDays, MinCardAttemptDays, 365},
		{"retention.idempotency_key_days", r.IdempotencyKeyDays, 1, 30},
		{"retention.email_link_days", r.EmailLinkDays, 0, 90},
		{"retention.session_days", r.SessionDays, 0, 90},
		{"retention.abandoned_cart_days", r.AbandonedCartDays, 7, 365},
		{"retention.inquiry_days", r.InquiryDays, 30, 3650},
		{"retention.order_years", r.OrderYears, 7, 10},
	} {
		if c.v < c.min || c.v > c.max {
			p.Add(c.name, shop.ReasonRange)
		}
	}
}

// ShippingFee is the fee for a delivery to the prefecture of an order whose
// items come to subtotal (tax included).
func (s Settings) ShippingFee(prefecture int, subtotal shop.Yen) shop.Yen {
	if s.FreeShippingThreshold > 0 && subtotal >= s.FreeShippingThreshold {
		return 0
	}
	if fee, ok := s.ShippingFees[prefecture]; ok {
		return fee
	}
	return s.DefaultShippingFee
}

// HasSlot reports whether slot is one of the delivery time slots; the empty
// slot means "any time" and is always allowed.
func (s Settings) HasSlot(slot string) bool {
	if slot == "" {
		return true
	}
	for _, x := range s.DeliverySlots {
		if x == slot {
			return true
		}
	}
	return false
}

const key = "shop"

// Load returns the saved settings, or Default() when none are saved yet.
func Load(ctx context.Context, d *db.DB) (Settings, error) {
	return load(ctx, d)
}

// LoadTx reads the settings inside tx, for a change that e-mails the
// shop's details in the same transaction.
func LoadTx(ctx context.Context, tx *sql.Tx) (Settings, error) {
	return load(ctx, tx)
}

// load reads the settings through q: the database or a transaction.
func load(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (Settings, error) {
	var raw string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return Default(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("load settings: %w", err)
	}
	s := Default()
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return Settings{}, fmt.Errorf("decode settings: %w", err)
	}
	return s, nil
}

// Save validates s and stores it inside tx, so that the change and its
// audit record commit together.
func Save(ctx context.Context, tx *sql.Tx, s Settings, now time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, string(b), now)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// Default returns the settings a new shop starts with: the demo shop's
// identity, floor rounding on tax-included prices, and common carrier fees.
func Default() Settings {
	fees := map[int]shop.Yen{1: 1320, 47: 1540} // Hokkaido and Okinawa cost more
	for _, c := range []int{31, 32, 33, 34, 35, 36, 37, 38, 39} {
		fees[c] = 990 // Chūgoku and Shikoku
	}
	for c := 40; c <= 46; c++ {
		fees[c] = 1100 // Kyūshū
	}
	return Settings{
		ShopName:              "楓 鍼灸マッサージ用品店",
		ShopNameEn:            "Kaede Acupuncture & Massage Supplies",
		Company:               "株式会社楓商会",
		Responsible:           "楓 太郎",
		PostalCode:            "100-0001",
		Address:               "東京都千代田区千代田1-1 楓ビル3階",
		Phone:                 "03-0000-0000",
		Email:                 "support@kaede.example",
		InvoiceNumber:         "T1234567890123",
		TaxRounding:           shop.RoundFloor,
		ShippingFees:          fees,
		DefaultShippingFee:    880,
		FreeShippingThreshold: 11000,
		CODFee:                330,
		CODLimit:              300000,
		BankTransfer: BankAccount{Bank: "楓銀行", Branch: "本店営業部", Type: "普通",
			Number: "1234567", HolderKana: "カ）カエデシヨウカイ"},
		PaymentDueDays: 7,
		EnableTransfer: true,
		EnableCOD:      true,
		// Off until the shop turns them on: they need the provider's
		// contract for each method.
		KonbiniExpiryDays: 3,
		DeliverySlots:     []string{"午前中", "14時〜16時", "16時〜18時", "18時〜20時", "19時〜21時"},
		DeliveryMinDays:   3,
		DeliveryMaxDays:   30,
		ShipWithinDays:    3,
		ReturnPolicy: "商品到着後8日以内にご連絡ください。未開封・未使用の商品に限り返品を承ります。" +
			"お客様のご都合による返品の送料はお客様のご負担となります。" +
			"鍼などの管理医療機器および開封後の衛生用品は返品をお受けできません。" +
			"ご注文のキャンセルは発送前までマイページまたはお問い合わせ窓口にて承ります。",
		Retention: DefaultRetention(),
		Security:  DefaultSecurity(),
		Desk:      DefaultDesk(),
		Limits:    DefaultLimits(),

		MonthlyInvoice: DefaultMonthlyInvoice(),
	}
}

// DefaultRetention is what a new shop keeps: IP addresses 90 days (personal
// data: long enough to look into a dispute or a card-testing attack, no
// longer), idempotency keys a day, expired tokens and sessions a week,
// abandoned carts 30 days, closed inquiries two years (long enough to
// look back on a customer's earlier questions and a dispute's history).
// Settings saved before these existed load with these values too.
func DefaultRetention() Retention {
	return Retention{
		CardAttemptDays:    90,
		IdempotencyKeyDays: 1,
		EmailLinkDays:      7,
		SessionDays:        7,
		AbandonedCartDays:  30,
		InquiryDays:        730,
		OrderYears:         7,
	}
}

// Security is how the security alerts behave (internal/alert).
type Security struct {
	// EscalateAfterMinutes: a critical event nobody acknowledged after
	// this long is e-mailed to every owner, once.
	EscalateAfterMinutes int `json:"escalate_after_minutes"`
	// BusinessHours, in Japan time on weekdays (Monday to Friday): staff,
	// role and settings changes outside them raise a warning, since a
	// stolen staff account is often used at night.
	BusinessStartHour int `json:"business_start_hour"` // 0–23, inclusive
	BusinessEndHour   int `json:"business_end_hour"`   // 1–24, exclusive
}

// DefaultSecurity escalates after 15 minutes and keeps business hours of
// 09:00–19:00 JST on weekdays.
func DefaultSecurity() Security {
	return Security{EscalateAfterMinutes: 15, BusinessStartHour: 9, BusinessEndHour: 19}
}

// validate adds the security settings out of range, named
// "security.<field>".
func (s Security) validate(p shop.Problems) {
	if s.EscalateAfterMinutes < 1 || s.EscalateAfterMinutes > 24*60 {
		p.Add("security.escalate_after_minutes", shop.ReasonRange)
	}
	if s.BusinessStartHour < 0 || s.BusinessStartHour > 23 {
		p.Add("security.business_start_hour", shop.ReasonRange)
	}
	if s.BusinessEndHour <= s.BusinessStartHour || s.BusinessEndHour > 24 {
		p.Add("security.business_end_hour", shop.ReasonRange)
	}
}

// WithinBusinessHours reports whether t falls in the business hours: a
// weekday in Japan time, from the start hour up to the end hour.
func (s Security) WithinBusinessHours(t time.Time) bool {
	j := t.In(shop.JST)
	if wd := j.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return j.Hour() >= s.BusinessStartHour && j.Hour() < s.BusinessEndHour
}

// Desk is the inquiry desk (お問い合わせ窓口): where customers call and
// write (the store's contact page, footer and e-mails show it), and how
// soon the shop promises a first reply (internal/inquiry).
type Desk struct {
	// Phone is the desk's number; empty means the shop's Phone.
	Phone string `json:"phone"`
	// OpenHour and CloseHour are the desk's hours in Japan time on its
	// days: weekdays, except national holidays and 12-29 to 01-03.
	OpenHour  int `json:"open_hour"`  // 0–23, inclusive
	CloseHour int `json:"close_hour"` // 1–24, exclusive
	// FirstResponseHours is the first-reply target, counted in the desk's
	// hours only: an inquiry with no reply after that long is overdue.
	FirstResponseHours int `json:"first_response_hours"`
}

// MaxFirstResponseHours bounds the first-reply target: two weeks of
// full days.
const MaxFirstResponseHours = 240

// DefaultDesk is open 10:00–17:00 JST and promises a first reply within
// one day of its hours (seven hours): a message that arrives on a
// Friday afternoon is answered by Monday afternoon.
func DefaultDesk() Desk {
	return Desk{OpenHour: 10, CloseHour: 17, FirstResponseHours: 7}
}

// validate adds the desk settings out of range, named "desk.<field>".
func (d Desk) validate(p shop.Problems) {
	shop.CheckText(p, "desk.phone", d.Phone, false, 20)
	if d.OpenHour < 0 || d.OpenHour > 23 {
		p.Add("desk.open_hour", shop.ReasonRange)
	}
	if d.CloseHour <= d.OpenHour || d.CloseHour > 24 {
		p.Add("desk.close_hour", shop.ReasonRange)
	}
	if d.FirstResponseHours < 1 || d.FirstResponseHours > MaxFirstResponseHours {
		p.Add("desk.first_response_hours", shop.ReasonRange)
	}
}

// DeskPhone is the number customers call the inquiry desk on.
func (s Settings) DeskPhone() string {
	if s.Desk.Phone != "" {
		return s.Desk.Phone
	}
	return s.Phone
}

// CarrierContract is the carrier of the shop's shipping method and what
// its label software needs on every slip.
type CarrierContract struct {
	// Format is the carrier whose import the shipment CSV is written for:
	// yamato (B2クラウド), sagawa (e飛伝), japanpost (ゆうパックプリントR),
	// or "" when the shop chooses each time.
	Format string `json:"format"`
	// YamatoBillingCode is B2 Cloud's 請求先顧客コード (10–12 digits) and
	// YamatoFreightCode its 運賃管理番号 (2 digits); B2 Cloud refuses a
	// slip without them.
	YamatoBillingCode string `json:"yamato_billing_code"`
	YamatoFreightCode string `json:"yamato_freight_code"`
	// SagawaCustomerCode is e飛伝's お客様コード (up to 12 digits,
	// optional: e飛伝 fills in the logged-in account's).
	SagawaCustomerCode string `json:"sagawa_customer_code"`
}

// CarrierFormats are the values CarrierContract.Format may take.
var CarrierFormats = []string{"yamato", "sagawa", "japanpost"}

var (
	yamatoBilling = regexp.MustCompile(`^[0-9]{10,12}$`)
	yamatoFreight = regexp.MustCompile(`^[0-9]{2}$`)
	sagawaCode    = regexp.MustCompile(`^[0-9]{1,12}$`)
)

// validate adds the contract fields that are bad, named "carrier.<field>".
func (c CarrierContract) validate(p shop.Problems) {
	if c.Format != "" && !slices.Contains(CarrierFormats, c.Format) {
		p.Add("carrier.format", shop.ReasonChoice)
	}
	if c.YamatoBillingCode != "" && !yamatoBilling.MatchString(c.YamatoBillingCode) {
		p.Add("carrier.yamato_billing_code", shop.ReasonFormat)
	}
	if c.YamatoFreightCode != "" && !yamatoFreight.MatchString(c.YamatoFreightCode) {
		p.Add("carrier.yamato_freight_code", shop.ReasonFormat)
	}
	if c.SagawaCustomerCode != "" && !sagawaCode.MatchString(c.SagawaCustomerCode) {
		p.Add("carrier.sagawa_customer_code", shop.ReasonFormat)
	}
}
