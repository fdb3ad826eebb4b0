package order

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/mailtext"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// MailKinds are the order notices to customers whose wording the shop may
// change (internal/mailtext). The shop's own notices (shop_*) stay as
// they are: they go to the staff, not to customers.
func (s *Service) MailKinds() []mailtext.Kind {
	both := []string{"ja", "en"}
	kind := func(key, label, labelEn string, sample any, extra func(noticeData) any) mailtext.Kind {
		return mailtext.Kind{Key: key, Label: label, LabelEn: labelEn, Locales: both,
			Files: templateFiles, Base: mailTemplates, Sample: sample,
			Recent: func(ctx context.Context, locale string) (any, error) {
				d, ok, err := s.recentNotice(ctx, locale)
				if err != nil || !ok {
					return nil, err
				}
				return extra(d), nil
			}}
	}
	n := sampleNotice()
	shipped := shippedData{noticeData: n, ShippedDate: "2026年11月26日", Carrier: "ヤマト運輸",
		TrackingNumber: "1234-5678-9012", TrackingURL: "https://toi.kuronekoyamato.co.jp/cgi-bin/tneko", Slot: "2026年11月28日 14-16時"}
	voucher := voucherNotice{noticeData: n, VoucherNumber: "123456789012", VoucherURL: "https://example.jp/voucher/123",
		Stores: "ファミリーマート・ローソン・ミニストップ・セイコーマート", Expires: "2026年11月28日 23:59"}
	edited := editNotice{noticeData: n, Items: []editItem{{Name: "はり 0.18mm 100本入", Quantity: 3, Amount: "¥5,940"},
		{Name: "ドクダミ茶", Quantity: 1, Amount: "¥1,080", Reduced: true}}, Subtotal: "¥7,020", ShippingFee: "¥660", Fee: "¥330",
		Taxes:   []editTax{{Rate: shop.RateStandard, Taxable: "¥6,930", Tax: "¥630"}, {Rate: shop.RateReduced, Taxable: "¥1,080", Tax: "¥80"}},
		Address: "〒100-0001 東京都千代田区千代田1-1", Delivery: "2026年11月28日 14-16時", HasReduced: true}
	refunded := n
	refunded.Paid, refunded.Card, refunded.Amount, refunded.Refunded = true, true, "¥1,980", "¥1,980"
	same := func(d noticeData) any { return d }
	return []mailtext.Kind{
		kind("order_paid", "ご入金確認", "Payment received", n, same),
		kind("konbini_voucher", "コンビニ払込票", "Konbini payment voucher", voucher, func(d noticeData) any {
			v := voucher
			v.noticeData = d
			return v
		}),
		kind("order_shipped", "発送のお知らせ", "Shipment", shipped, func(d noticeData) any {
			v := shipped
			v.noticeData = d
			return v
		}),
		kind("order_edited", "ご注文内容変更", "Order changed", edited, func(d noticeData) any {
			v := edited
			v.noticeData = d
			return v
		}),
		kind("order_cancelled", "ご注文キャンセル", "Cancellation", n, same),
		kind("order_refunded", "ご返金", "Refund", refunded, func(d noticeData) any {
			d.Paid, d.Amount = true, refunded.Amount
			return d
		}),
	}
}

// sampleNotice is a notice with every field filled, for checking a text
// and for the preview while the shop has no order.
func sampleNotice() noticeData {
	st := settings.Default()
	return noticeData{Name: "山田 花子", Number: "K20261125-0007", Total: "¥12,980", Method: methodNames["ja"][BankTransfer],
		At: "2026年11月25日 10:30", Member: true, Lines: []mailLine{{Name: "はり 0.18mm 100本入", Quantity: 2}},
		ShopName: st.ShopName, ShopEmail: st.Email, ShopPhone: st.Phone}
}

// recentNotice is the notice of the newest order, for the preview.
func (s *Service) recentNotice(ctx context.Context, locale string) (noticeData, bool, error) {
	var d noticeData
	err := s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		var number string
		err := tx.QueryRowContext(ctx, `SELECT number FROM orders ORDER BY id DESC LIMIT 1`).Scan(&number)
		if err != nil {
			return err
		}
		o, err := Load(ctx, tx, number)
		if err != nil {
			return err
		}
		st, err := settings.LoadTx(ctx, tx)
		if err != nil {
			return err
		}
		d = newNotice(o, st, locale)
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return noticeData{}, false, nil
	}
	if err != nil {
		return noticeData{}, false, fmt.Errorf("order: recent notice: %w", err)
	}
	return d, true, nil
}
