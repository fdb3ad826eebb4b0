package admin_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/staff"
)

// Staff see the orders cancelled because their transfer never came: a
// mark in the list, a filter, and the history event in Japanese.
func TestAutoCancelledOrdersAreMarked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newOrderEnv(t, d)
		unpaid := e.place(order.BankTransfer, map[string]int{"A": 1})
		byStaff := e.place(order.BankTransfer, map[string]int{"A": 1})
		if _, err := e.orders.Cancel(e.ctx, byStaff.Number, "お客様のご依頼"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(12 * 24 * time.Hour) // past the due date (7 days) and the grace (3)
		if res, err := e.orders.RemindUnpaid(e.ctx); err != nil || res.Cancelled != 1 {
			t.Fatalf("RemindUnpaid: %+v, %v", res, err)
		}
		b := e.staffBrowser("auditor@example.jp", staff.Auditor) // after the clock moved: a fresh session
		res := b.get("/admin/orders?auto_cancelled=1")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, unpaid.Number) || strings.Contains(res.Body, byStaff.Number) ||
			!strings.Contains(res.Body, "未入金のため自動キャンセル") {
			t.Errorf("auto_cancelled=1 lists the wrong orders or no mark:\n%s", res.Body)
		}
		res = b.get("/admin/orders/" + unpaid.Number)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, "【自動キャンセル】お支払い期限") {
			t.Errorf("the history does not say why:\n%s", res.Body)
		}
	})
}
