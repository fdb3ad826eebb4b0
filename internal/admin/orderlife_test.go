package admin_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// TestFullRefundEndsTheOrderOnTheDashboard: a full refund of a paid order
// not yet shipped cancels it, so it is neither to ship nor a sale any
// more; a partial refund of another shows in its history and nets the
// sales. The history reads in Japanese.
func TestFullRefundEndsTheOrderOnTheDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		b := e.staffBrowser("owner@example.jp", staff.Owner)
		full := e.place(order.BankTransfer, map[string]int{"A": 2})
		part := e.place(order.BankTransfer, map[string]int{"A": 1})
		for _, o := range []*order.Order{full, part} {
			path := "/admin/orders/" + o.Number
			wantRedirect(t, b.post(path+"/paid", nil), path)
		}
		dashboard := func() map[string]string {
			doc := b.get("/admin/").Doc
			got := map[string]string{}
			for _, id := range []string{"orders-today", "sales-today", "awaiting-shipment", "refunds-today"} {
				if n := find(doc, byID(id)); n != nil {
					got[id] = textOf(n)
				}
			}
			return got
		}
		yen := func(v int64) string { return "¥" + commas(v) }
		if got := dashboard(); got["orders-today"] != "2" || got["awaiting-shipment"] != "2" ||
			got["sales-today"] != yen(int64(full.Total+part.Total)) {
			t.Fatalf("before the refunds: %v", got)
		}

		path := "/admin/orders/" + full.Number
		wantRedirect(t, b.post(path+"/refund", url.Values{"amount": {strconv.FormatInt(int64(full.Total), 10)}}), path+"?done=refunded")
		wantRedirect(t, b.post("/admin/orders/"+part.Number+"/refund", url.Values{"amount": {"500"}}), "/admin/orders/"+part.Number+"?done=refunded")

		// The sums are shared for figuresTTL: move past it.
		e.clock.Advance(time.Minute)
		got := dashboard()
		want := map[string]string{"orders-today": "1", "awaiting-shipment": "1",
			"sales-today": yen(int64(part.Total) - 500), "refunds-today": yen(int64(full.Total) + 500)}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("dashboard #%s=%q, want %q", id, got[id], w)
			}
		}
		page := textOf(b.get(path).Doc)
		for _, w := range []string{"キャンセル", "全額ご返金のうえ、ご注文をキャンセルしました", "ご入金を確認しました"} {
			if !strings.Contains(page, w) {
				t.Errorf("order page lacks %q", w)
			}
		}
		if strings.Contains(page, "card captured") {
			t.Error("history in English")
		}
		if page := textOf(b.get("/admin/orders/" + part.Number).Doc); !strings.Contains(page, "¥500をご返金しました") {
			t.Errorf("partial refund missing from the history")
		}
	})
}

// commas writes n with thousands separators, as the pages do.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
