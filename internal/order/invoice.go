package order

import (
	"context"
	"database/sql"
	"fmt"
	"kaede/internal/coupon"
	"time"

	"kaede/internal/settings"
	"kaede/internal/shop"
)

// ReducedMark is printed beside a reduced-rate line, and explained once on
// the document (「※は軽減税率対象」), as the qualified invoice requires.
const ReducedMark = "※"

// InvoiceDoc is everything a qualified invoice (適格請求書) or a receipt
// (領収書) for an order shows. The registration number, the lines, the
// fees and the tax per rate are the ones recorded with the order, so that
// the document printed today says what the sale said, whatever the shop's
// settings have become since. The issuer's name and address are the
// shop's current ones: the document is issued by the shop as it is now.
type InvoiceDoc struct {
	IssuerName         string // the seller's legal name (settings.Company)
	ShopName           string
	IssuerPostalCode   string
	IssuerAddress      string
	IssuerPhone        string
	RegistrationNumber string    // T + 13 digits, as recorded on the order
	Number             string    // the order number, which also numbers the document
	IssueDate          time.Time // today, in Tokyo
	TransactionDate    time.Time // the day the order was placed, in Tokyo
	RecipientName      string    // the order's recipient; the page adds 「様」
	Lines              []InvoiceLine
	Taxes              []InvoiceTax // per rate, highest first
	HasReduced         bool         // some line is marked ReducedMark: print its explanation
	Total              shop.Yen     // tax included, what the customer pays
	PaymentMethod      PaymentMethod
	PaymentLabel       string // the method in Japanese
	// Paid says the shop has received the money (a transfer arrived, a
	// card was captured, the carrier collected it): the document may be
	// titled 領収書. Unpaid, it is a 請求書.
	Paid bool
	// BankAccount and PaymentDue are set on the 請求書 of an unpaid bank
	// transfer: where to pay and by when, as the order confirmation said.
	BankAccount *settings.BankAccount
	PaymentDue  time.Time // in Tokyo
}

// InvoiceLine is one line of an invoice: an item, or the shipping or
// cash-on-delivery fee (always at the standard rate).
type InvoiceLine struct {
	Name      string
	Quantity  int
	UnitPrice shop.Yen // tax included
	Amount    shop.Yen // tax included
	TaxRate   shop.TaxRate
	Mark      string // ReducedMark for a reduced-rate line, else ""
}

// InvoiceTax is the total and the consumption tax of one rate on the
// invoice, computed once per rate when the order was placed.
type InvoiceTax struct {
	Rate    shop.TaxRate
	Total   shop.Yen // tax included, all lines at this rate
	Taxable shop.Yen // tax excluded
	Tax     shop.Yen
}

// PaymentLabel names a payment method in Japanese, as documents print it.
func PaymentLabel(m PaymentMethod) string {
	switch m {
	case BankTransfer:
		return "銀行振込"
	case COD:
		return "代金引換"
	case Card:
		return "クレジットカード"
	case Invoice:
		return "請求書払い"
	case Konbini:
		return "コンビニ決済"
	case PayPay:
		return "PayPay"
	}
	return string(m)
}

// FeeLabel names the payment method's fee (kept in the order's CODFee:
// the one fee a payment method adds) as pages, e-mails and documents show
// it.
func FeeLabel(m PaymentMethod, en bool) string {
	switch m {
	case Konbini:
		if en {
			return "Convenience store payment fee"
		}
		return "コンビニ決済手数料"
	case PayPay:
		if en {
			return "PayPay fee"
		}
		return "PayPay決済手数料"
	}
	if en {
		return "Cash-on-delivery fee"
	}
	return "代引手数料"
}

// Invoice returns the qualified invoice (or receipt) of the order. An
// order that is not binding (a card payment never completed) or was
// cancelled has none → Conflict.
func (s *Service) Invoice(ctx context.Context, number string) (*InvoiceDoc, error) {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("invoice %s: %w", number, err)
	}
	o, err := s.Get(ctx, number)
	if err != nil {
		return nil, err
	}
	if o.Status == AwaitingPayment || o.Status == Cancelled {
		return nil, shop.Errorf(shop.Conflict, "order %s is %s and has no invoice", number, o.Status)
	}
	doc := &InvoiceDoc{
		IssuerName:         st.Company,
		ShopName:           st.ShopName,
		IssuerPostalCode:   st.PostalCode,
		IssuerAddress:      st.Address,
		IssuerPhone:        st.Phone,
		RegistrationNumber: o.InvoiceNumber,
		Number:             o.Number,
		IssueDate:          day(s.clock()),
		TransactionDate:    day(o.CreatedAt),
		RecipientName:      o.Address.Name,
		Total:              o.Total,
		PaymentMethod:      o.PaymentMethod,
		PaymentLabel:       PaymentLabel(o.PaymentMethod),
	}
	switch o.Payment.State {
	case PaymentSucceeded, PaymentCaptured, PaymentRefunded, PaymentPartiallyRefunded:
		doc.Paid = true
	}
	if !doc.Paid && o.PaymentMethod == BankTransfer {
		bank := st.BankTransfer
		due, err := s.PaymentDueOf(ctx, o.CreatedAt)
		if err != nil {
			return nil, err
		}
		doc.BankAccount, doc.PaymentDue = &bank, day(due)
	}
	for _, l := range o.Lines {
		il := InvoiceLine{Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.LineTotal, TaxRate: l.TaxRate}
		if l.TaxRate == shop.RateReduced {
			il.Mark, doc.HasReduced = ReducedMark, true
		}
		doc.Lines = append(doc.Lines, il)
	}
	for _, fee := range []struct {
		name   string
		amount shop.Yen
	}{{"送料", o.ShippingFee}, {FeeLabel(o.PaymentMethod, false), o.CODFee}} {
		if fee.amount > 0 {
			doc.Lines = append(doc.Lines, InvoiceLine{Name: fee.name, Quantity: 1, UnitPrice: fee.amount,
				Amount: fee.amount, TaxRate: shop.RateStandard})
		}
	}
	// A coupon's discount is a line of its own at each rate it was split
	// over, so that each rate's lines add up to the total its tax was
	// computed on.
	c, err := coupon.OfOrder(ctx, s.db, o.ID)
	if err != nil {
		return nil, err
	}
	if c != nil {
		for _, rate := range []shop.TaxRate{shop.RateStandard, shop.RateReduced} {
			if d := c.ByRate(rate); d > 0 {
				il := InvoiceLine{Name: "クーポン割引（" + c.Code + "）", Quantity: 1, UnitPrice: -d, Amount: -d, TaxRate: rate}
				if rate == shop.RateReduced {
					il.Mark = ReducedMark
				}
				doc.Lines = append(doc.Lines, il)
			}
		}
	}
	for _, t := range o.Taxes {
		doc.Taxes = append(doc.Taxes, InvoiceTax{Rate: t.Rate, Total: t.Total(), Taxable: t.Taxable, Tax: t.Tax})
	}
	return doc, nil
}

// day is the calendar day of t in Tokyo, at midnight there.
func day(t time.Time) time.Time {
	y, m, d := t.In(shop.JST).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, shop.JST)
}

// DeliverySlip is a packing slip (納品書) to put in the parcel: who it
// comes from, who it goes to, and what is in it. Prices are included for
// shops that print them; a gift parcel leaves them out.
type DeliverySlip struct {
	Number          string
	OrderDate       time.Time // in Tokyo
	IssueDate       time.Time // today, in Tokyo
	ShopName        string
	ShopPostalCode  string
	ShopAddress     string
	ShopPhone       string
	To              shop.Address
	ToPrefecture    string // the prefecture's name
	DeliveryDate    string // YYYY-MM-DD, or "" for the earliest
	DeliverySlot    string
	Lines           []SlipLine
	ShippingFee     shop.Yen
	CODFee          shop.Yen // the payment method's fee, named by FeeLabel(PaymentMethod)
	Total           shop.Yen
	PaymentMethod   PaymentMethod
	PaymentLabel    string
	CODAmount       shop.Yen // what the carrier collects; 0 unless cash on delivery
	Shipments       []Shipment
	CustomerMessage string // the customer's note to the shop, for the packer
}

// SlipLine is one item on a delivery slip.
type SlipLine struct {
	SKU       string
	Name      string
	Quantity  int
	UnitPrice shop.Yen // tax included
	Amount    shop.Yen
	Mark      string // ReducedMark for a reduced-rate item
}

// DeliverySlip returns the packing slip of the order. A cancelled order or
// one awaiting its card payment ships nothing → Conflict.
func (s *Service) DeliverySlip(ctx context.Context, number string) (*DeliverySlip, error) {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("delivery slip %s: %w", number, err)
	}
	var o *Order
	var shipments []Shipment
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if o, err = Load(ctx, tx, number); err != nil {
			return err
		}
		if shipments, err = loadShipments(ctx, tx, o.ID); err != nil {
			return fmt.Errorf("order %s: %w", number, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if o.Status == AwaitingPayment || o.Status == Cancelled {
		return nil, shop.Errorf(shop.Conflict, "order %s is %s and ships nothing", number, o.Status)
	}
	slip := &DeliverySlip{
		Number:          o.Number,
		OrderDate:       day(o.CreatedAt),
		IssueDate:       day(s.clock()),
		ShopName:        st.ShopName,
		ShopPostalCode:  st.PostalCode,
		ShopAddress:     st.Address,
		ShopPhone:       st.Phone,
		To:              o.Address,
		ToPrefecture:    o.Address.PrefectureName(),
		DeliveryDate:    o.DeliveryDate,
		DeliverySlot:    o.DeliverySlot,
		ShippingFee:     o.ShippingFee,
		CODFee:          o.CODFee,
		PaymentMethod:   o.PaymentMethod,
		Total:           o.Total,
		PaymentLabel:    PaymentLabel(o.PaymentMethod),
		Shipments:       shipments,
		CustomerMessage: o.Note,
	}
	if o.PaymentMethod == COD {
		slip.CODAmount = o.Total
	}
	for _, l := range o.Lines {
		sl := SlipLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.LineTotal}
		if l.TaxRate == shop.RateReduced {
			sl.Mark = ReducedMark
		}
		slip.Lines = append(slip.Lines, sl)
	}
	return slip, nil
}
