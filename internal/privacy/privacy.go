// Package privacy answers a customer's requests about their personal data
// under the APPI (個人情報保護法): the disclosure file (開示請求, 33条), which
// gathers what the member package and the order package each hold about
// one member. Erasure is member.Erase and member.Close; orders lose their
// personal data after the tax records' period in order.Prune.
package privacy

import (
	"context"
	"fmt"
	"time"

	"kaede/internal/audit"
	"kaede/internal/member"
	"kaede/internal/order"
)

// Document is the disclosure file, as JSON: the account and every order
// the member placed, with the shop's memo on it. Card payments show the brand and last four only; the
// shop never had more.
type Document struct {
	Shop        string             `json:"shop"`
	GeneratedAt time.Time          `json:"generated_at"`
	Account     *member.Disclosure `json:"account"`
	Orders      []Order            `json:"orders"`
}

// Order is one order as the disclosure shows it.
type Order struct {
	Number        string    `json:"number"`
	PlacedAt      time.Time `json:"placed_at"`
	Status        string    `json:"status"`
	Email         string    `json:"email"`
	ShipTo        string    `json:"ship_to"`
	Phone         string    `json:"phone"`
	Note          string    `json:"note"`
	PaymentMethod string    `json:"payment_method"`
	Card          string    `json:"card,omitempty"` // brand and last four
	Total         int64     `json:"total"`
	Lines         []Line    `json:"lines"`
	ShopMemo      *Memo     `json:"shop_memo,omitempty"`
}

// Memo is the staff's memo on an order (ショップメモ). It is held personal
// data about the customer (phone calls, promises made), so the disclosure
// shows it, to the customer too: APPI 33条 leaves no exception for notes a
// shop keeps for itself.
type Memo struct {
	Body      string    `json:"body"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Line is one item of an order.
type Line struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
}

// Disclose builds the member's disclosure file; the member package audits
// who asked (by: staff, or the member on my page).
func Disclose(ctx context.Context, members *member.Service, orders *order.Service, shopName string, memberID int64, by audit.Actor, now time.Time) (*Document, error) {
	acct, err := members.Disclose(ctx, memberID, by)
	if err != nil {
		return nil, err
	}
	doc := &Document{Shop: shopName, GeneratedAt: now.UTC(), Account: acct, Orders: []Order{}}
	const page = 100
	for offset := 0; ; offset += page {
		list, total, err := orders.ListForMember(ctx, memberID, page, offset)
		if err != nil {
			return nil, fmt.Errorf("disclose member %d: %w", memberID, err)
		}
		for _, o := range list {
			out := disclosed(o)
			// One query an order: a disclosure is asked for rarely, and the
			// order package owns its memos.
			m, err := orders.Memo(ctx, o.Number)
			if err != nil {
				return nil, fmt.Errorf("disclose member %d: %w", memberID, err)
			}
			if m.Body != "" {
				out.ShopMemo = &Memo{Body: m.Body, UpdatedAt: m.UpdatedAt}
			}
			doc.Orders = append(doc.Orders, out)
		}
		if offset+page >= total || len(list) == 0 {
			return doc, nil
		}
	}
}

func disclosed(o order.Order) Order {
	a := o.Address
	out := Order{Number: o.Number, PlacedAt: o.CreatedAt.UTC(), Status: string(o.Status), Email: o.Email,
		Phone: a.Phone, Note: o.Note, PaymentMethod: string(o.PaymentMethod), Total: int64(o.Total), Lines: []Line{}}
	if a.Name != "" {
		out.ShipTo = fmt.Sprintf("%s 〒%s %s%s%s %s", a.Name, a.PostalCode, a.PrefectureName(), a.City, a.Line1, a.Line2)
	}
	if o.Payment.Last4 != "" {
		out.Card = o.Payment.Brand + " ****" + o.Payment.Last4
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, Line{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: int64(l.UnitPrice)})
	}
	return out
}
