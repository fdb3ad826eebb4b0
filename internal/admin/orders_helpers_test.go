package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"kaede/internal/admin"
	"kaede/internal/audit"
	"kaede/internal/cart"
	"kaede/internal/cart/carttest"
	"kaede/internal/checkout"
	"kaede/internal/content"
	"kaede/internal/db"
	"kaede/internal/mail"
	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/settings"
	"kaede/internal/shop"
	"kaede/internal/staff"
)

// orderEnv is an admin server wired with the order and member services,
// on a fresh database holding two products: A (¥1,100 at 10 %) and TEA
// (¥1,080 at the reduced 8 %).
type orderEnv struct {
	*env
	orders   *order.Service
	members  *member.Service
	carts    *cart.Service
	checkout *checkout.Service
	placed   int
}

func newOrderEnv(t *testing.T, d *db.DB) *orderEnv {
	t.Helper()
	return newOrderEnvWithCards(t, d, nil)
}

// newOrderEnvWithCards is newOrderEnv with refund as the admin's card
// refund (nil: no payment provider); options may add to the admin's
// dependencies before it is built.
func newOrderEnvWithCards(t *testing.T, d *db.DB, refund func(context.Context, string, shop.Yen, audit.Actor) error,
	options ...func(*admin.Deps)) *orderEnv {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	queue := mail.NewTestQueue(clock.Now)
	staffSvc, err := staff.New(d, queue, clock.Now, bytes.Repeat([]byte{7}, staff.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if err := staffSvc.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	e := &orderEnv{orders: order.New(d, queue, clock.Now), carts: cart.New(d, clock.Now),
		members: member.New(d, queue, clock.Now, "http://shop.test")}
	if err := e.members.SetHashParams(fastHash); err != nil {
		t.Fatal(err)
	}
	e.checkout = checkout.New(d, e.carts, e.orders, queue, clock.Now, "http://shop.test")
	deps := admin.Deps{
		Logger: discardLogger(), Clock: clock.Now, Staff: staffSvc,
		Settings: settings.NewService(d, clock.Now, time.Minute),
		Audit:    audit.NewLog(d), Legal: content.NewPages(d, clock.Now),
		Orders: e.orders, Members: e.members, CardRefund: refund,
	}
	for _, o := range options {
		o(&deps)
	}
	srv, err := admin.New(admin.Config{
		BaseURL:     "http://admin.test",
		Secret:      bytes.Repeat([]byte{9}, 32),
		AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
	}, deps)
	if err != nil {
		t.Fatal(err)
	}
	e.env = &env{t: t, d: d, clock: clock, staff: staffSvc, h: srv.Handler(), ctx: context.Background()}
	carttest.AddVariant(t, d, carttest.Variant{SKU: "A", Price: 1100, Stock: 100})
	carttest.AddVariant(t, d, carttest.Variant{SKU: "TEA", Price: 1080, Stock: 100, Reduced: true})
	return e
}

// place orders items (SKU → quantity) through the real checkout, paid by
// method, as 山田 太郎.
func (e *orderEnv) place(method order.PaymentMethod, items map[string]int) *order.Order {
	e.t.Helper()
	c, err := e.carts.Create(e.ctx, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	for sku, qty := range items {
		if _, err := e.carts.AddItem(e.ctx, c.ID, sku, qty, shop.Viewer{}); err != nil {
			e.t.Fatalf("add %s: %v", sku, err)
		}
	}
	e.placed++
	o, _, err := e.checkout.Place(e.ctx, checkout.Input{CartID: c.ID, Email: "taro@example.com",
		Address: shop.Address{Name: "山田 太郎", NameKana: "ヤマダ タロウ", PostalCode: "100-0001", Prefecture: 13,
			City: "千代田区", Line1: "千代田1-1", Line2: "楓ハイツ101", Phone: "03-1234-5678"},
		PaymentMethod: string(method), IdempotencyKey: fmt.Sprintf("admin-order-test-%d", e.placed)})
	if err != nil {
		e.t.Fatalf("place: %v", err)
	}
	return o
}

// makeCard turns a placed order into a captured card payment with plain
// SQL, the state the card payment package leaves it in, so that the
// admin's card paths can be tried without a provider.
func (e *orderEnv) makeCard(number string) {
	e.t.Helper()
	for _, q := range []string{
		`UPDATE orders SET payment_method = 'card', status = 'paid' WHERE number = $1`,
		`UPDATE payments SET method = 'card', state = 'captured', provider = 'test', brand = 'Visa', last4 = '4242'
			WHERE order_id = (SELECT id FROM orders WHERE number = $1)`,
	} {
		if _, err := e.d.ExecContext(e.ctx, q, number); err != nil {
			e.t.Fatal(err)
		}
	}
}

// order reads an order afresh.
func (e *orderEnv) order(number string) *order.Detail {
	e.t.Helper()
	d, err := e.orders.GetDetail(e.ctx, number)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// staffBrowser enrols a member of staff with the role and logs them in.
func (e *orderEnv) staffBrowser(email string, role staff.Role) *browser {
	e.t.Helper()
	b, _ := e.enrol(email, role)
	b.login(email)
	return b
}

// customer registers a member, with a pending licence when licence is set.
func (e *orderEnv) customer(email string, licence bool) *member.Member {
	e.t.Helper()
	m, err := e.members.Register(e.ctx, member.RegisterInput{Email: email, Password: "member password 1",
		Name: "鍼 太郎", NameKana: "ハリ タロウ"})
	if err != nil {
		e.t.Fatal(err)
	}
	if licence {
		if _, err := e.members.SubmitLicence(e.ctx, m.ID, "hari", "第12345号"); err != nil {
			e.t.Fatal(err)
		}
	}
	return m
}

// wantDenied sends the request as b and checks that it is refused (403)
// and audited as staff.denied for the member of staff.
func (e *orderEnv) wantDenied(b *browser, method, path string, form url.Values) {
	e.t.Helper()
	var res *response
	if method == http.MethodPost {
		res = b.post(path, form)
	} else {
		res = b.get(path)
	}
	if res.StatusCode != http.StatusForbidden {
		e.t.Fatalf("%s %s: status=%d, want 403\n%s", method, path, res.StatusCode, res.Body)
	}
	list := e.entries("staff.denied", "")
	want := `"path":"` + strings.SplitN(path, "?", 2)[0] + `"`
	if len(list) == 0 || !strings.Contains(list[0].After, want) || !strings.Contains(list[0].After, `"method":"`+method+`"`) {
		e.t.Fatalf("%s %s: the latest staff.denied entry is not about it: %+v", method, path, list)
	}
}

// verifyAudit checks that the audit chain is whole.
func (e *orderEnv) verifyAudit() {
	e.t.Helper()
	if n, err := audit.Verify(e.ctx, e.d); err != nil || n == 0 {
		e.t.Fatalf("audit.Verify = %d, %v", n, err)
	}
}

// countMail counts the order's e-mails of the kind.
func (e *orderEnv) countMail(orderID int64, kind string) int {
	e.t.Helper()
	var n int
	err := e.d.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM mail_messages WHERE order_id = $1 AND kind = $2`,
		orderID, kind).Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// hasForm reports whether the page has a form posting to action.
func hasForm(doc *html.Node, action string) bool {
	return find(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == action }) != nil
}

// fieldErrors is the text of the page's field errors.
func fieldErrors(doc *html.Node) string {
	var b strings.Builder
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && hasClass("field-error")(n) {
			b.WriteString(textOf(n) + "\n")
		}
	})
	return b.String()
}

// alertText is the text of the page's error alert.
func alertText(doc *html.Node) string {
	if n := find(doc, hasClass("error")); n != nil {
		return textOf(n)
	}
	return ""
}

// rows returns the text of each body row of the table with the id.
func rows(doc *html.Node, tableID string) []string {
	table := find(doc, byID(tableID))
	if table == nil {
		return nil
	}
	var out []string
	walk(table, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" {
			out = append(out, strings.Join(strings.Fields(textOf(n)), " "))
		}
	})
	return out
}
