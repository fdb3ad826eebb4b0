package order

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kaede/internal/audit"
	"kaede/internal/csvcell"
	"kaede/internal/settings"
	"kaede/internal/shop"
)

// MaxCarrierExport is the most orders one carrier file holds: a day's
// parcels, and what the tracking import takes back at once.
const MaxCarrierExport = 1000

// CarrierFile is a shipment file for a carrier's label software.
type CarrierFile struct {
	Carrier Carrier
	Data    []byte // Shift_JIS (CP932), CRLF, a header row, then one row per order
	Count   int
	// Replaced are the orders with a character Shift_JIS cannot hold,
	// written as 〓 (csvcell.Geta) for the staff to correct on the label.
	Replaced []string
}

// CarrierCSV writes the orders with the numbers as the carrier's import
// file (Carrier.Layout), for the shipment that leaves today (JST): the
// consignee, the shop as sender, the first item, the delivery date and
// time slot in the carrier's codes, and for cash on delivery the amount
// the driver collects with its consumption tax. The whole selection is
// refused, naming the orders, when one cannot ship now (cancelled, not yet
// paid, already shipped) or asks for a time slot the carrier does not
// offer; nothing is half exported. The export of personal data is audited
// ("export.shipments") before the file is returned.
func (s *Service) CarrierCSV(ctx context.Context, numbers []string, c Carrier, by audit.Actor) (*CarrierFile, error) {
	p := shop.Problems{}
	if c == "" {
		p.Add("carrier", shop.ReasonRequired)
	} else if c.Layout() == nil {
		p.Add("carrier", shop.ReasonChoice)
	}
	numbers = uniqueNumbers(numbers)
	if len(numbers) == 0 {
		p.Add("orders", shop.ReasonRequired)
	} else if len(numbers) > MaxCarrierExport {
		p.Add("orders", shop.ReasonRange)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("carrier export: %w", err)
	}
	if c == Yamato {
		// B2 Cloud refuses every slip without the contract's codes.
		if st.Carrier.YamatoBillingCode == "" {
			p.Add("carrier.yamato_billing_code", shop.ReasonRequired)
		}
		if st.Carrier.YamatoFreightCode == "" {
			p.Add("carrier.yamato_freight_code", shop.ReasonRequired)
		}
		if err := p.Err(); err != nil {
			return nil, err
		}
	}
	var orders []*Order
	err = s.db.ReadTx(ctx, func(tx *sql.Tx) error {
		for _, n := range numbers {
			o, err := Load(ctx, tx, n)
			if err != nil {
				return err
			}
			orders = append(orders, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var unshippable, badSlot []string
	for _, o := range orders {
		if !CanTransition(o.Status, Shipped, o.PaymentMethod) {
			unshippable = append(unshippable, o.Number)
		}
		if _, ok := SlotCode(c, o.DeliverySlot); !ok {
			badSlot = append(badSlot, o.Number)
		}
	}
	if len(unshippable) > 0 {
		return nil, shop.Errorf(shop.Conflict, "these orders cannot ship now: %s", strings.Join(unshippable, ", "))
	}
	if len(badSlot) > 0 {
		return nil, shop.Errorf(shop.Conflict, "the carrier has no code for the time slot of: %s", strings.Join(badSlot, ", "))
	}
	file, err := encodeCarrier(c, orders, st, s.clock())
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		return audit.Record(ctx, tx, s.clock(), by, "export.shipments", "orders", nil, map[string]any{
			"carrier": c, "count": file.Count, "orders": numbers, "replaced": file.Replaced,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("carrier export: %w", err)
	}
	return file, nil
}

// uniqueNumbers trims the order numbers and drops empty ones and repeats,
// keeping the first order of appearance.
func uniqueNumbers(numbers []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range numbers {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// encodeCarrier renders the header and the orders' rows in the carrier's
// layout, fits every cell to Shift_JIS and encodes the file.
func encodeCarrier(c Carrier, orders []*Order, st settings.Settings, now time.Time) (*CarrierFile, error) {
	layout := c.Layout()
	file := &CarrierFile{Carrier: c, Count: len(orders)}
	f := csvcell.NewFile(true)
	write := func(number string, row []string) error {
		n, err := f.Write(row)
		if n > 0 && number != "" {
			file.Replaced = append(file.Replaced, number)
		}
		return err
	}
	if err := write("", layout); err != nil {
		return nil, fmt.Errorf("carrier export: %w", err)
	}
	shipDay := now.In(shop.JST)
	for _, o := range orders {
		cells := carrierCells(c, o, st, shipDay)
		row := make([]string, len(layout))
		for i, name := range layout {
			row[i] = cells[name]
			delete(cells, name)
		}
		if len(cells) > 0 {
			// A name that is not in the layout is a typing error here,
			// and would silently lose a value on the label.
			return nil, fmt.Errorf("carrier export: %s: cells outside the layout: %v", c, cells)
		}
		if err := write(o.Number, row); err != nil {
			return nil, fmt.Errorf("carrier export: %w", err)
		}
	}
	out, err := f.Bytes()
	if err != nil {
		return nil, fmt.Errorf("carrier export: %w", err)
	}
	file.Data = out
	return file, nil
}

// codAmounts are what the driver collects for a cash-on-delivery order
// (the order's total, tax included) and the consumption tax within it;
// zero for every other order.
func codAmounts(o *Order) (total, tax string) {
	if o.PaymentMethod != COD {
		return "", ""
	}
	var t shop.Yen
	for _, ts := range o.Taxes {
		t += ts.Tax
	}
	return strconv.FormatInt(int64(o.Total), 10), strconv.FormatInt(int64(t), 10)
}

// itemName is the label's item: the first line's name, with 他N点 for the
// rest, cut to the width the carriers print (B2 Cloud's 品名 takes 25
// full-width characters).
func itemName(o *Order) string {
	if len(o.Lines) == 0 {
		return ""
	}
	name := o.Lines[0].Name
	suffix := ""
	if len(o.Lines) > 1 {
		suffix = fmt.Sprintf(" 他%d点", len(o.Lines)-1)
	}
	r := []rune(name)
	if max := 25 - len([]rune(suffix)); len(r) > max {
		r = r[:max]
	}
	return string(r) + suffix
}

// carrierCells are the order's cells by the carrier's column names.
func carrierCells(c Carrier, o *Order, st settings.Settings, shipDay time.Time) map[string]string {
	a := o.Address
	slot, _ := SlotCode(c, o.DeliverySlot)
	codTotal, codTax := codAmounts(o)
	item := itemName(o)
	switch c {
	case Yamato:
		kind := "0" // 発払い
		if o.PaymentMethod == COD {
			kind = "2" // コレクト
		}
		return map[string]string{
			"お客様管理番号": o.Number, "送り状種類": kind, "クール区分": "0",
			"出荷予定日": shipDay.Format("2006/01/02"), "お届け予定日": strings.ReplaceAll(o.DeliveryDate, "-", "/"),
			"配達時間帯": slot, "お届け先電話番号": a.Phone, "お届け先郵便番号": a.PostalCode,
			"お届け先住所": a.PrefectureName() + a.City + a.Line1, "お届け先アパートマンション名": a.Line2,
			"お届け先名": a.Name, "ご依頼主電話番号": st.Phone, "ご依頼主郵便番号": st.PostalCode,
			"ご依頼主住所": st.Address, "ご依頼主名": senderName(st), "品名１": item,
			"ｺﾚｸﾄ代金引換額（税込)": codTotal, "内消費税額等": codTax, "発行枚数": "1",
			"請求先顧客コード": st.Carrier.YamatoBillingCode, "運賃管理番号": st.Carrier.YamatoFreightCode,
		}
	case Sagawa:
		return map[string]string{
			"お届け先電話番号": a.Phone, "お届け先郵便番号": a.PostalCode,
			"お届け先住所１": a.PrefectureName() + a.City, "お届け先住所２": a.Line1, "お届け先住所３": a.Line2,
			"お届け先名称１": a.Name, "お客様管理番号": o.Number, "お客様コード": st.Carrier.SagawaCustomerCode,
			"ご依頼主電話番号": st.Phone, "ご依頼主郵便番号": st.PostalCode, "ご依頼主住所１": st.Address,
			"ご依頼主名称１": senderName(st), "品名１": item, "出荷個数": "1", "クール便指定": "001",
			"配達日": strings.ReplaceAll(o.DeliveryDate, "-", ""), "配達指定時間帯": slot,
			"代引金額": codTotal, "消費税": codTax, "出荷日": shipDay.Format("20060102"),
		}
	default: // JapanPost
		kind := "0" // 元払い
		if o.PaymentMethod == COD {
			kind = "2" // 代引き
		}
		dated := "0"
		if o.DeliveryDate != "" {
			dated = "1" // 配達日指定
		}
		return map[string]string{
			"お客様側管理番号": o.Number, "発送予定日": shipDay.Format("20060102"), "郵便種別": "0", "保冷種別": "0",
			"元／着払／代引": kind, "お届け先 郵便番号": a.PostalCode,
			"お届け先 住所１": a.PrefectureName() + a.City, "お届け先 住所２": a.Line1, "お届け先 住所３": a.Line2,
			"お届け先 名称１": a.Name, "お届け先 敬称区分": "0", "お届け先 電話番号": a.Phone,
			"ご依頼主 郵便番号": st.PostalCode, "ご依頼主 住所１": st.Address, "ご依頼主 名称１": senderName(st),
			"ご依頼主 電話番号": st.Phone, "受注番号": o.Number, "速達・配達日指定種別": dated,
			"配達指定日／希望日": strings.ReplaceAll(o.DeliveryDate, "-", ""), "配達時間帯区分": slot,
			"複数個口数": "1", "代引金額": codTotal, "代引消費税金額": codTax, "品名": item, "個数": "1",
		}
	}
}

// senderName is the sender on the label: the shop's name as customers know
// it, which is what they look for on the parcel.
func senderName(st settings.Settings) string {
	if st.ShopName != "" {
		return st.ShopName
	}
	return st.Company
}
