package order_test

import (
	"context"
	"testing"
	"time"

	"kaede/internal/cart/carttest"
	"kaede/internal/db"
	"kaede/internal/db/dbtest"
	"kaede/internal/order"
	"kaede/internal/shop"
)

func TestSearchForMember(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := context.Background()
		member := carttest.AddMember(t, d, "m@example.com", false)
		other := carttest.AddMember(t, d, "o@example.com", false)
		var mine []string
		for range 3 {
			o, _ := f.place(t, order.COD, member)
			mine = append(mine, o.Number)
		}
		theirs, _ := f.place(t, order.COD, other)
		old := time.Date(2025, 1, 10, 3, 0, 0, 0, time.UTC) // 12:00 in Tokyo
		if _, err := d.ExecContext(ctx, `UPDATE orders SET created_at = $1 WHERE number = $2`, old, mine[0]); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			q     order.MemberQuery
			want  []string // newest first
			total int
		}{
			{"all", order.MemberQuery{}, []string{mine[2], mine[1], mine[0]}, 3},
			{"number", order.MemberQuery{Q: mine[1][len(mine[1])-4:]}, []string{mine[1]}, 1},
			{"another's number", order.MemberQuery{Q: theirs.Number}, nil, 0},
			{"product in Japanese", order.MemberQuery{Q: "商品Ｂ"}, []string{mine[2], mine[1], mine[0]}, 3},
			{"product in English", order.MemberQuery{Q: "product a"}, []string{mine[2], mine[1], mine[0]}, 3},
			{"no such product", order.MemberQuery{Q: "お灸"}, nil, 0},
			{"day range", order.MemberQuery{From: "2025-01-10", To: "2025-01-10"}, []string{mine[0]}, 1},
			{"from a day", order.MemberQuery{From: "2025-01-11"}, []string{mine[2], mine[1]}, 2},
			{"paged", order.MemberQuery{Limit: 2, Offset: 2}, []string{mine[0]}, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := f.orders.SearchForMember(ctx, member, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				var numbers []string
				for _, o := range got {
					numbers = append(numbers, o.Number)
				}
				if total != tc.total || len(numbers) != len(tc.want) {
					t.Fatalf("total=%d %v, want %d %v", total, numbers, tc.total, tc.want)
				}
				for i := range numbers {
					if numbers[i] != tc.want[i] {
						t.Fatalf("orders %v, want %v", numbers, tc.want)
					}
				}
			})
		}
		for _, tc := range []struct {
			q     order.MemberQuery
			field string
		}{
			{order.MemberQuery{From: "2025-13-01"}, "from"},
			{order.MemberQuery{From: "2025-02-01", To: "2025-01-01"}, "to"},
			{order.MemberQuery{Limit: 101}, "limit"},
			{order.MemberQuery{Q: string(make([]rune, 101))}, "q"},
		} {
			_, _, err := f.orders.SearchForMember(ctx, member, tc.q)
			se, ok := err.(*shop.Error)
			if !ok || se.Code != shop.Invalid || se.Fields[tc.field] == "" {
				t.Fatalf("query %+v: error %v, want invalid %s", tc.q, err, tc.field)
			}
		}
	})
}
