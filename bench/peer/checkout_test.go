package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeShop is a Shop API that keeps each session's order and answers only
// the checkout steps in the order Vendure's default OrderProcess accepts
// them; anything else is a GraphQL error and a test failure.
type fakeShop struct {
	t           *testing.T
	cookieOnly  bool   // sessions by cookie, as with tokenMethod "cookie"
	refuseStock string // variant id whose addItemToOrder returns an ErrorResult
	// keepsStock makes addItemToOrder take a unit of the variant's stock
	// or refuse, as a store that cannot oversell; without it units are
	// allocated only when the payment goes in, and nothing is refused.
	keepsStock bool
	// losesAllocations makes a payment leave the stock counter alone, as
	// Vendure 3.7's lost updates of stockAllocated under concurrent payments.
	losesAllocations bool
	// checksAtAdd makes addItemToOrder refuse a variant with no unit left
	// unallocated, as Vendure does, still allocating only at payment.
	checksAtAdd bool
	stock       map[string]*variantStock // the Admin API's variants
	adminToken  string

	mu       sync.Mutex
	sessions map[string]*fakeOrder
	next     int
	ops      [][]string // each session's operations, in order
}

type fakeOrder struct {
	index   int
	step    int
	code    string
	variant *variantStock
}

// checkoutSteps is the sequence the client must send, by operation and
// the root field the query must call.
var checkoutSteps = []struct{ op, field string }{
	{"AddItemToOrder", "addItemToOrder("},
	{"SetCustomerForOrder", "setCustomerForOrder("},
	{"SetOrderShippingAddress", "setOrderShippingAddress("},
	{"EligibleShippingMethods", "eligibleShippingMethods"},
	{"SetOrderShippingMethod", "setOrderShippingMethod("},
	{"TransitionOrderToState", "transitionOrderToState("},
	{"EligiblePaymentMethods", "eligiblePaymentMethods"},
	{"AddPaymentToOrder", "addPaymentToOrder("},
}

func newFakeShop(t *testing.T) *fakeShop {
	return &fakeShop{t: t, sessions: map[string]*fakeOrder{}}
}

func (f *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Op    string         `json:"operationName"`
		Query string         `json:"query"`
		Vars  map[string]any `json:"variables"`
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		f.fail(w, "not a GraphQL POST")
		return
	}
	if req.Op == "CategoryPage" {
		if !strings.Contains(req.Query, "search(input:") || req.Vars["slug"] != "electronics" {
			f.fail(w, "bad CategoryPage: %s %v", req.Query, req.Vars)
			return
		}
		f.answer(w, `{"search":{"totalItems":2,"items":[{"productVariantId":"11"},{"productVariantId":"12"}]}}`)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stock != nil && f.admin(w, r, req.Op, req.Vars) {
		return
	}
	o := f.session(w, r, req.Op)
	if o == nil {
		f.fail(w, "%s without the session's token", req.Op)
		return
	}
	f.ops[o.index] = append(f.ops[o.index], req.Op)
	// A buyer who names the payment method need not ask which are eligible.
	if checkoutSteps[min(o.step, len(checkoutSteps)-1)].op == "EligiblePaymentMethods" && req.Op == "AddPaymentToOrder" {
		o.step++
	}
	if o.step >= len(checkoutSteps) || checkoutSteps[o.step].op != req.Op ||
		!strings.Contains(req.Query, checkoutSteps[o.step].field) {
		f.fail(w, "step %d: got %s", o.step, req.Op)
		return
	}
	if msg := checkVars(req.Op, req.Vars); msg != "" {
		f.fail(w, "%s: %s", req.Op, msg)
		return
	}
	if req.Op == "AddItemToOrder" && req.Vars["productVariantId"] == f.refuseStock {
		f.answer(w, `{"addItemToOrder":{"errorCode":"INSUFFICIENT_STOCK_ERROR","message":"Only 0 items were added"}}`)
		return
	}
	if v := f.stock[fmt.Sprint(req.Vars["productVariantId"])]; v != nil && req.Op == "AddItemToOrder" && f.keepsStock {
		if v.StockOnHand-v.StockAllocated < 1 {
			f.answer(w, `{"addItemToOrder":{"errorCode":"INSUFFICIENT_STOCK_ERROR","message":"Only 0 items were added"}}`)
			return
		}
		v.StockAllocated++
		o.variant = v
	}
	if v := f.stock[fmt.Sprint(req.Vars["productVariantId"])]; v != nil && req.Op == "AddItemToOrder" && !f.keepsStock {
		if f.checksAtAdd && v.StockOnHand-v.StockAllocated < 1 {
			f.answer(w, `{"addItemToOrder":{"errorCode":"INSUFFICIENT_STOCK_ERROR","message":"Only 0 items were added"}}`)
			return
		}
		o.variant = v
	}
	if req.Op == "AddPaymentToOrder" && o.variant != nil && !f.keepsStock && !f.losesAllocations {
		o.variant.StockAllocated++
	}
	o.step++
	state := map[string]string{"TransitionOrderToState": "ArrangingPayment", "AddPaymentToOrder": "PaymentSettled"}[req.Op]
	if state == "" {
		state = "AddingItems"
	}
	order := fmt.Sprintf(`{"id":"%d","code":"%s","state":"%s"}`, o.index+1, o.code, state)
	switch req.Op {
	case "EligibleShippingMethods":
		f.answer(w, `{"eligibleShippingMethods":[{"id":"3","code":"standard-shipping","priceWithTax":500},{"id":"4","code":"express-shipping","priceWithTax":1000}]}`)
	case "EligiblePaymentMethods":
		f.answer(w, `{"eligiblePaymentMethods":[{"code":"card","isEligible":false},{"code":"standard-payment","isEligible":true}]}`)
	default:
		f.answer(w, fmt.Sprintf(`{"%s%s":%s}`, strings.ToLower(req.Op[:1]), req.Op[1:], order))
	}
}

// admin answers the Admin API's operations of the oversell run, and
// reports whether the request was one.
func (f *fakeShop) admin(w http.ResponseWriter, r *http.Request, op string, vars map[string]any) bool {
	switch op {
	case "Login":
		if vars["username"] != "superadmin" || vars["password"] != "secret" {
			f.answer(w, `{"login":{"errorCode":"INVALID_CREDENTIALS_ERROR","message":"The provided credentials are invalid"}}`)
			return true
		}
		f.adminToken = "admintok"
		w.Header().Set(authHeader, f.adminToken)
		f.answer(w, `{"login":{"id":"1"}}`)
		return true
	case "VariantStock", "SetStock":
	default:
		return false
	}
	if r.Header.Get("Authorization") != "Bearer "+f.adminToken || f.adminToken == "" {
		f.fail(w, "%s without the administrator's token", op)
		return true
	}
	v := f.stock[fmt.Sprint(vars["id"])]
	if v == nil {
		f.answer(w, `{"productVariant":null}`)
		return true
	}
	if op == "SetStock" {
		n, _ := vars["stockOnHand"].(float64)
		v.StockOnHand, v.TrackInventory = int(n), "TRUE"
		b, _ := json.Marshal([]*variantStock{v})
		f.answer(w, fmt.Sprintf(`{"updateProductVariants":%s}`, b))
		return true
	}
	b, _ := json.Marshal(v)
	f.answer(w, fmt.Sprintf(`{"productVariant":%s}`, b))
	return true
}

// session finds the request's session, or starts one on addItemToOrder
// as Vendure does (the token comes back in a header, or a cookie).
func (f *fakeShop) session(w http.ResponseWriter, r *http.Request, op string) *fakeOrder {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie("session"); err == nil && f.cookieOnly {
		token = c.Value
	}
	if o, ok := f.sessions[token]; ok {
		return o
	}
	if token != "" || op != "AddItemToOrder" {
		return nil
	}
	f.next++
	token = fmt.Sprintf("tok%d", f.next)
	o := &fakeOrder{index: len(f.ops), code: fmt.Sprintf("ORDER%d", f.next)}
	f.sessions[token] = o
	f.ops = append(f.ops, nil)
	if f.cookieOnly {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: token})
	} else {
		w.Header().Set(authHeader, token)
	}
	return o
}

// checkVars checks what the Shop API's input types require.
func checkVars(op string, v map[string]any) string {
	input, _ := v["input"].(map[string]any)
	switch op {
	case "AddItemToOrder":
		if v["productVariantId"] == nil || v["quantity"] != float64(1) {
			return fmt.Sprintf("variables %v", v)
		}
	case "SetCustomerForOrder":
		if input["emailAddress"] == nil || input["firstName"] == nil || input["lastName"] == nil {
			return fmt.Sprintf("input %v", input)
		}
	case "SetOrderShippingAddress":
		if input["streetLine1"] == nil || input["countryCode"] != "JP" {
			return fmt.Sprintf("input %v", input)
		}
	case "SetOrderShippingMethod":
		if ids, _ := v["id"].([]any); len(ids) != 1 || ids[0] != "3" {
			return fmt.Sprintf("shipping method ids %v", v["id"])
		}
	case "TransitionOrderToState":
		if v["state"] != "ArrangingPayment" {
			return fmt.Sprintf("state %v", v["state"])
		}
	case "AddPaymentToOrder":
		if input["method"] != "standard-payment" || input["metadata"] == nil {
			return fmt.Sprintf("input %v", input)
		}
	}
	return ""
}

func (f *fakeShop) answer(w http.ResponseWriter, data string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"data":%s}`, data)
}

func (f *fakeShop) fail(w http.ResponseWriter, format string, args ...any) {
	f.t.Errorf("fake shop: "+format, args...)
	w.Header().Set("Content-Type", "application/json")
	msg, _ := json.Marshal(fmt.Sprintf(format, args...))
	fmt.Fprintf(w, `{"errors":[{"message":%s}],"data":null}`, msg)
}

func TestPlaceOrderSendsTheCheckoutInOrder(t *testing.T) {
	for _, cookieOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("cookieOnly=%v", cookieOnly), func(t *testing.T) {
			f := newFakeShop(t)
			f.cookieOnly = cookieOnly
			srv := httptest.NewServer(f)
			defer srv.Close()
			ctx := context.Background()
			variants, err := firstVariants(ctx, &session{url: srv.URL, client: srv.Client()}, "electronics")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(variants, []string{"11", "12"}) {
				t.Fatalf("variants=%v, want [11 12]", variants)
			}
			for i := range 2 {
				code, err := placeOrder(ctx, &session{url: srv.URL, client: srv.Client()},
					buyer{variantID: variants[i], quantity: 1, email: fmt.Sprintf("b%d@example.jp", i)})
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("ORDER%d", i+1); code != want {
					t.Errorf("code=%q, want %q", code, want)
				}
			}
			var want []string
			for _, s := range checkoutSteps {
				want = append(want, s.op)
			}
			if len(f.ops) != 2 {
				t.Fatalf("sessions=%d, want 2 (one per buyer)", len(f.ops))
			}
			for i, ops := range f.ops {
				if !slices.Equal(ops, want) {
					t.Errorf("session %d: ops=%v, want %v", i, ops, want)
				}
			}
		})
	}
}

func TestPlaceOrderStopsAtAnErrorResult(t *testing.T) {
	f := newFakeShop(t)
	f.refuseStock = "12"
	srv := httptest.NewServer(f)
	defer srv.Close()
	_, err := placeOrder(context.Background(), &session{url: srv.URL, client: srv.Client()},
		buyer{variantID: "12", quantity: 1, email: "b@example.jp"})
	if err == nil || !strings.Contains(err.Error(), "INSUFFICIENT_STOCK_ERROR") {
		t.Fatalf("err=%v, want INSUFFICIENT_STOCK_ERROR", err)
	}
	if len(f.ops) != 1 || len(f.ops[0]) != 1 {
		t.Errorf("ops=%v, want the checkout to stop after addItemToOrder", f.ops)
	}
}

func TestPlaceOrderNamesAPaymentMethod(t *testing.T) {
	f := newFakeShop(t)
	srv := httptest.NewServer(f)
	defer srv.Close()
	_, err := placeOrder(context.Background(), &session{url: srv.URL, client: srv.Client()},
		buyer{variantID: "11", quantity: 1, email: "b@example.jp", paymentMethod: "standard-payment"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.ops[0]; slices.Contains(got, "EligiblePaymentMethods") {
		t.Errorf("ops=%v: asked for payment methods although one was named", got)
	}
}

func TestRunCountsOrders(t *testing.T) {
	f := newFakeShop(t)
	srv := httptest.NewServer(f)
	defer srv.Close()
	placed, err := run(context.Background(), srv.URL, 300*time.Millisecond, 2, "electronics", "")
	if err != nil {
		t.Fatal(err)
	}
	if placed == 0 || placed != len(f.ops) {
		t.Errorf("placed=%d, sessions=%d: want every session to be one placed order", placed, len(f.ops))
	}
}

func TestOversellCountsPaidOrdersAndAllocatedUnits(t *testing.T) {
	for _, tc := range []struct {
		keepsStock, losesAllocations, checksAtAdd, oneByOne bool
		paid, refused, allocated                            int
		report                                              []string
	}{
		{keepsStock: true, paid: 2, refused: 1, allocated: 2, report: []string{"not oversold", "(+2 by this run)"}},
		{paid: 3, refused: 0, allocated: 3, report: []string{"OVERSOLD by 1", "(+3 by this run)"}},
		{checksAtAdd: true, oneByOne: true, paid: 2, refused: 1, allocated: 2, report: []string{"3 buyers one by one", "not oversold"}},
		{losesAllocations: true, paid: 3, refused: 0, allocated: 0,
			report: []string{"OVERSOLD by 1", "+0 by this run, for 3 units paid: the stock counter is off by 3"}},
	} {
		t.Run(fmt.Sprintf("keepsStock=%v,losesAllocations=%v,checksAtAdd=%v,oneByOne=%v",
			tc.keepsStock, tc.losesAllocations, tc.checksAtAdd, tc.oneByOne), func(t *testing.T) {
			f := newFakeShop(t)
			f.keepsStock, f.losesAllocations, f.checksAtAdd = tc.keepsStock, tc.losesAllocations, tc.checksAtAdd
			f.stock = map[string]*variantStock{"11": {ID: "11", Name: "Laptop 13 inch 8GB",
				StockOnHand: 10, StockAllocated: 7, TrackInventory: "INHERIT"}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			shop := &session{url: srv.URL, client: srv.Client()}
			o, err := oversell(context.Background(), shop, &session{url: srv.URL, client: srv.Client()},
				sale{variantID: "11", user: "superadmin", password: "secret", units: 2, buyers: 3, oneByOne: tc.oneByOne})
			if err != nil {
				t.Fatal(err)
			}
			if o.variant.StockOnHand != 9 || o.variant.TrackInventory != "TRUE" {
				t.Errorf("stock set to %+v, want 9 on hand (7 allocated + 2) and trackInventory TRUE", o.variant)
			}
			if o.paid != tc.paid || o.buyers-o.paid != tc.refused || o.allocated() != tc.allocated {
				t.Errorf("paid=%d refused=%d allocated=%d, want %d, %d, %d",
					o.paid, o.buyers-o.paid, o.allocated(), tc.paid, tc.refused, tc.allocated)
			}
			if tc.refused > 0 && o.refused["AddItemToOrder: INSUFFICIENT_STOCK_ERROR"] != tc.refused {
				t.Errorf("refused=%v, want %d × AddItemToOrder: INSUFFICIENT_STOCK_ERROR", o.refused, tc.refused)
			}
			if v := f.stock["11"]; v.StockOnHand-v.StockAllocated != 3 {
				t.Errorf("stock after the run: %d on hand, %d allocated; want the 3 units for sale from before", v.StockOnHand, v.StockAllocated)
			}
			for _, want := range tc.report {
				if !strings.Contains(o.String(), want) {
					t.Errorf("report %q does not say %q", o, want)
				}
			}
		})
	}
}

func TestOversellStopsAtABadLogin(t *testing.T) {
	f := newFakeShop(t)
	f.stock = map[string]*variantStock{"11": {ID: "11"}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	_, err := oversell(context.Background(), &session{url: srv.URL, client: srv.Client()},
		&session{url: srv.URL, client: srv.Client()}, sale{variantID: "11", user: "superadmin", password: "wrong", units: 2, buyers: 3})
	if err == nil || !strings.Contains(err.Error(), "INVALID_CREDENTIALS_ERROR") {
		t.Fatalf("err=%v, want INVALID_CREDENTIALS_ERROR", err)
	}
	if len(f.ops) != 0 {
		t.Errorf("sessions=%d, want no buyer after a failed login", len(f.ops))
	}
}
