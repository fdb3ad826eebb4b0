package order_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"kaede/internal/audit"
	"kaede/internal/checkout"
	"kaede/internal/db"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// staff is the actor of the staff actions in these tests.
var staff = audit.Actor{Name: "hanako@kaede.example", IP: "192.0.2.10"}

// customer is who places an order in the staff tests, and what.
type customer struct {
	Email    string
	Locale   string
	Address  shop.Address
	Items    map[string]int // SKU → quantity; nil means 3 A and 1 B
	Date     string
	Slot     string
	MemberID int64
}

func taro() customer {
	return customer{Email: "taro@example.com", Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ",
		PostalCode: "100-0001", Prefecture: 13, City: "千代田区", Line1: "千代田1-1", Line2: "楓ハイツ101",
		Phone: "03-1234-5678"}}
}

func hanako() customer {
	return customer{Email: "Hanako.Sato@example.jp", Address: shop.Address{Name: "佐藤 花子", NameKana: "サトウ ハナコ",
		PostalCode: "530-0001", Prefecture: 27, City: "大阪市北区", Line1: "梅田1-2-3", Phone: "090-1111-2222"}}
}

var staffPlaced int

// placeAs places c's order, paid by method, through checkout.
func (f fixture) placeAs(t *testing.T, c customer, method order.PaymentMethod) *order.Order {
	t.Helper()
	ctx := context.Background()
	v := shop.Viewer{MemberID: c.MemberID}
	cart, err := f.carts.Create(ctx, c.MemberID)
	if err != nil {
		t.Fatal(err)
	}
	items := c.Items
	if items == nil {
		items = map[string]int{"A": 3, "B": 1}
	}
	for sku, qty := range items {
		if _, err := f.carts.AddItem(ctx, cart.ID, sku, qty, v); err != nil {
			t.Fatalf("add %s: %v", sku, err)
		}
	}
	staffPlaced++
	o, _, err := f.checkout.Place(ctx, checkout.Input{CartID: cart.ID, Viewer: v, Email: c.Email, Locale: c.Locale,
		Address: c.Address, PaymentMethod: string(method), DeliveryDate: c.Date, DeliverySlot: c.Slot,
		IdempotencyKey: fmt.Sprintf("staff-test-%d", staffPlaced)})
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	return o
}

// auditEntries returns the audit entries of the action, oldest first.
func auditEntries(t *testing.T, d *db.DB, action string) []audit.Entry {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	return es
}

// verifyAudit checks the audit chain and that it holds want entries.
func verifyAudit(t *testing.T, d *db.DB, want int) {
	t.Helper()
	n, err := audit.Verify(context.Background(), d)
	if err != nil || n != want {
		t.Fatalf("audit.Verify = %d, %v; want %d entries, no error", n, err, want)
	}
}

// auditedState is the part of an order's audit state the tests read.
type auditedState struct {
	Status  order.Status `json:"status"`
	Payment struct {
		State    order.PaymentState `json:"state"`
		Refunded shop.Yen           `json:"refunded"`
	} `json:"payment"`
	Shipments []struct {
		Carrier        order.Carrier `json:"carrier"`
		TrackingNumber string        `json:"tracking_number"`
	} `json:"shipments"`
	Extra map[string]any `json:"extra"`
}

func decodeState(t *testing.T, s string) auditedState {
	t.Helper()
	var st auditedState
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatalf("audit state %q: %v", s, err)
	}
	return st
}

// wantCode fails unless err has the code.
func wantCode(t *testing.T, what string, err error, code shop.Code) {
	t.Helper()
	if shop.ErrorCode(err) != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// wantField fails unless err is Invalid naming the field with the reason.
func wantField(t *testing.T, what string, err error, field, reason string) {
	t.Helper()
	if got := shop.ErrorFields(err)[field]; shop.ErrorCode(err) != shop.Invalid || got != reason {
		t.Fatalf("%s: %v, want invalid %s: %s", what, err, field, reason)
	}
}

// mailBodies returns the subject and body of the order's mails of the kind.
func mailBodies(t *testing.T, d *db.DB, orderID int64, kind string) (subjects, bodies []string) {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT subject, body FROM mail_messages
		WHERE order_id = $1 AND kind = $2 ORDER BY id`, orderID, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s, b string
		if err := rows.Scan(&s, &b); err != nil {
			t.Fatal(err)
		}
		subjects, bodies = append(subjects, s), append(bodies, b)
	}
	return subjects, bodies
}
