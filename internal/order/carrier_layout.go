package order

import (
	"regexp"
	"strconv"
	"strings"

	"kaede/internal/shop"
)

// The carriers' label software reads a CSV file by column position. The
// layouts below are the column names in order; a row is written by name
// and projected onto the layout, so that a reviewer compares this list
// with the carrier's document and nothing else.
//
// Where each layout comes from (none of the carriers' own PDFs could be
// read from here; every source is a public third party that writes files
// these programs import):
//
//   - yamatoLayout: ヤマト運輸 B2クラウド 「送り状発行データレイアウト 入出力用」
//     (bmypage.kuronekoyamato.co.jp/bmypage/pdf/new_exchange1.pdf), as the
//     Ruby gem labocho/yamato_b2_cloud (lib/yamato_b2_cloud/record.rb)
//     numbers it: 送り状種類 2, 出荷予定日 5, お届け予定日 6, 配達時間帯 7,
//     お届け先電話番号 9, 郵便番号 11, 住所 12, アパートマンション名 13,
//     お届け先名 16, ご依頼主電話番号 20, 郵便番号 22, 住所 23, アパート 24,
//     ご依頼主名 25, 品名1 28, コレクト代金引換額(税込) 34, 内消費税額等 35,
//     請求先顧客コード 40, 運賃管理番号 42. The gem writes rows of exactly 42
//     columns (its highest number), and so do we. The names of the columns
//     the gem leaves empty follow a NetSuite script's B2 header list found by
//     search, which agrees with the gem on every numbered column once the
//     sender's アパートマンション名 (24) is counted. Time-slot codes as in the
//     gem: 0812 午前中, 1416, 1618, 1820, 1921. 送り状種類 0 発払い, 2 コレクト.
//   - sagawaLayout: 佐川急便 e飛伝 「標準_飛脚宅急便_CSV」 (e飛伝Ⅱ's standard
//     layout, which e飛伝Ⅲ imports as its common template 「標準_飛脚宅急便_CSV_
//     ヘッダ有り」): 74 columns, as written by and-period/furumaru (Go, with a
//     test of the exact header) and by two independent kintone/JavaScript
//     converters. Time-slot codes from NE (next-engine) manual 140-15:
//     01 午前中, 12 12–14時, 14 14–16時, 16 16–18時, 18 18–20時, 19 19–21時,
//     04 18–21時. クール便指定 001 (normal) as furumaru writes it.
//   - japanPostLayout: 日本郵便 ゆうパックプリントR 発送予定データ, the 117
//     columns a public Shopify converter writes as its header; a 速販 layout
//     document (2014) agrees on the first columns. Another public note counts
//     118 columns (フリー項目０１ at 76, here 75), so one column before the
//     free fields may be missing: ゆうプリR reads outside files through an
//     import filter the shop registers once, which is where the columns are
//     mapped, and this could not be settled here. The codes used:
//     郵便種別 0 ゆうパック, 元／着払／代引 0 元払い / 2 代引き, dates
//     yyyymmdd. Time-slot codes: 00 none and 52 12–14時 are confirmed by a
//     vendor's manual (flagship); 51 午前中, 53 14–16時, 54 16–18時,
//     55 18–20時, 57 19–21時 follow the same series and could NOT be
//     confirmed from a public source here.
var (
	yamatoLayout = []string{
		"お客様管理番号", "送り状種類", "クール区分", "伝票番号", "出荷予定日", "お届け予定日", "配達時間帯",
		"お届け先コード", "お届け先電話番号", "お届け先電話番号枝番", "お届け先郵便番号", "お届け先住所",
		"お届け先アパートマンション名", "お届け先会社・部門１", "お届け先会社・部門２", "お届け先名", "お届け先名(ｶﾅ)",
		"敬称", "ご依頼主コード", "ご依頼主電話番号", "ご依頼主電話番号枝番", "ご依頼主郵便番号", "ご依頼主住所",
		"ご依頼主アパートマンション", "ご依頼主名", "ご依頼主名(ｶﾅ)", "品名コード１", "品名１", "品名コード２", "品名２",
		"荷扱い１", "荷扱い２", "記事", "ｺﾚｸﾄ代金引換額（税込)", "内消費税額等", "止置き", "営業所コード",
		"発行枚数", "個数口表示フラグ", "請求先顧客コード", "請求先分類コード", "運賃管理番号",
	}
	sagawaLayout = []string{
		"お届け先コード取得区分", "お届け先コード", "お届け先電話番号", "お届け先郵便番号",
		"お届け先住所１", "お届け先住所２", "お届け先住所３", "お届け先名称１", "お届け先名称２",
		"お客様管理番号", "お客様コード", "部署ご担当者コード取得区分", "部署ご担当者コード", "部署ご担当者名称",
		"荷送人電話番号", "ご依頼主コード取得区分", "ご依頼主コード", "ご依頼主電話番号", "ご依頼主郵便番号",
		"ご依頼主住所１", "ご依頼主住所２", "ご依頼主名称１", "ご依頼主名称２",
		"荷姿", "品名１", "品名２", "品名３", "品名４", "品名５",
		"荷札荷姿", "荷札品名１", "荷札品名２", "荷札品名３", "荷札品名４", "荷札品名５", "荷札品名６",
		"荷札品名７", "荷札品名８", "荷札品名９", "荷札品名１０", "荷札品名１１",
		"出荷個数", "スピード指定", "クール便指定", "配達日", "配達指定時間帯", "配達指定時間（時分）",
		"代引金額", "消費税", "決済種別", "保険金額", "指定シール１", "指定シール２", "指定シール３",
		"営業所受取", "SRC区分", "営業所受取営業所コード", "元着区分", "メールアドレス", "ご不在時連絡先",
		"出荷日", "お問い合せ送り状No.", "出荷場印字区分", "集約解除指定",
		"編集01", "編集02", "編集03", "編集04", "編集05", "編集06", "編集07", "編集08", "編集09", "編集10",
	}
	japanPostLayout = []string{
		"お客様側管理番号", "発送予定日", "発送予定時間区分", "出荷期限日", "到着期限日", "郵便種別", "保冷種別",
		"元／着払／代引", "書留／セキュリティ／特定記録種別", "配達時間帯指定郵便種別", "送り状種別",
		"お届け先 コード", "お届け先 郵便番号", "お届け先 住所１", "お届け先 住所２", "お届け先 住所３",
		"お届け先 名称１", "お届け先 名称２", "お届け先 敬称区分", "お届け先 電話番号", "お届け先 メールアドレス１",
		"お届け先 局留め区分", "お届け先 局留め郵便局名", "お届け先 局留めメール使用区分", "お届け先 局留め郵便番号",
		"お届け先 配達予告メール使用区分", "お届け先 再配達予告メール使用区分",
		"ご依頼主 コード", "ご依頼主 集荷先と同一区分", "ご依頼主 郵便番号", "ご依頼主 住所１", "ご依頼主 住所２",
		"ご依頼主 住所３", "ご依頼主 名称１", "ご依頼主 名称２", "ご依頼主 敬称", "ご依頼主 電話番号",
		"ご依頼主 メールアドレス１", "ご依頼主 荷送人指図区分", "ご依頼主 お届け通知メール使用区分",
		"ご依頼主 お届け通知はがき使用区分",
		"集荷先 コード", "集荷先 連携可否区分", "集荷先 会社コード", "集荷先 依頼先店所コード", "集荷先 郵便番号",
		"集荷先 住所１", "集荷先 住所２", "集荷先 住所３", "集荷先 名称１", "集荷先 名称２", "集荷先 敬称",
		"集荷先 電話番号", "受注番号", "こわれもの区分", "なまもの区分", "ビン類区分", "逆さま厳禁区分",
		"下積み厳禁区分", "商品サイズ区分", "重量合計（ｇ）", "25kg超重量物区分", "損害要償額",
		"速達・配達日指定種別", "配達指定日／希望日", "配達時間帯区分", "差出方法区分", "ゆうパック複数個割引",
		"ゆうパック同一割引", "セット商品コード", "セット品名ラベル印字区分", "複数個口数", "記事名１", "記事名２",
		"フリー項目０１", "フリー項目０２", "フリー項目０３", "フリー項目０４", "フリー項目０５", "フリー項目０６",
		"フリー項目０７", "フリー項目０８", "フリー項目０９", "フリー項目１０", "空港利用区分", "空港・局／支店名",
		"航空会社名", "利用便名", "レジャー区分", "プレー・搭乗日", "プレー・搭乗時間", "クラブ本数", "復路集貨日",
		"出荷先登録名", "集荷希望区分", "集荷日付", "集荷時間帯区分", "支店連携先選択用名称", "代引金額",
		"代引消費税金額", "送り状発行年月日", "商品番号", "品名", "個数", "重量（ｇ）", "単価", "金額",
		"商品備考０１", "商品備考０２", "商品備考０３", "商品備考０４", "商品備考０５", "商品備考０６",
		"商品備考０７", "商品備考０８", "商品備考０９", "商品備考１０",
	}
)

// Layout returns the carrier's CSV columns, in order, or nil for Other.
func (c Carrier) Layout() []string {
	switch c {
	case Yamato:
		return yamatoLayout
	case Sagawa:
		return sagawaLayout
	case JapanPost:
		return japanPostLayout
	}
	return nil
}

// slotHours matches the hours of a time slot as shops write them:
// 14時〜16時, 14:00-16:00, 14-16時.
var slotHours = regexp.MustCompile(`([0-9]{1,2})(?:時|:00)?\s*[-〜~～－ー]\s*([0-9]{1,2})`)

// slotCodes are each carrier's code for a slot, by its hours "HHHH"
// (0812 for the morning). The sources are in the comment on the layouts.
var slotCodes = map[Carrier]map[string]string{
	Yamato:    {"0812": "0812", "1416": "1416", "1618": "1618", "1820": "1820", "1921": "1921"},
	Sagawa:    {"0812": "01", "1214": "12", "1416": "14", "1618": "16", "1820": "18", "1921": "19", "1821": "04"},
	JapanPost: {"0812": "51", "1214": "52", "1416": "53", "1618": "54", "1820": "55", "1921": "57"},
}

// SlotCode returns the carrier's code for the delivery time slot as the
// customer chose it from the shop's slots, "" for no slot, and false when
// the carrier has no such slot (the label would then lose the customer's
// wish, so the export refuses rather than drop it).
func SlotCode(c Carrier, slot string) (string, bool) {
	s := shop.Normalize(slot)
	if s == "" || s == "指定なし" {
		if c == JapanPost {
			return "00", true
		}
		return "", true
	}
	var hours string
	switch {
	case strings.Contains(s, "午前"):
		hours = "0812"
	default:
		m := slotHours.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		from, _ := strconv.Atoi(m[1])
		to, _ := strconv.Atoi(m[2])
		hours = twoDigits(from) + twoDigits(to)
	}
	code, ok := slotCodes[c][hours]
	return code, ok
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
