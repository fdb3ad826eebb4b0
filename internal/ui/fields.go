package ui

import (
	"slices"
	"strings"

	"kaede/internal/shop"
)

// label is how a form field is named in a sentence. choose marks fields the
// customer picks from a list, for which "please select" reads better than
// "please enter".
type label struct {
	ja, en string
	choose bool
}

// fieldLabels names every field the store's forms and API accept, by the
// last segment of its dotted name ("shipping_address.postal_code" →
// "postal_code"). Add a field here when a form gains one; account and store
// pages keep their extra fields in their own files.
var fieldLabels = merge("field label", coreFieldLabels, storeFieldLabels, accountFieldLabels, contactFieldLabels, documentFieldLabels, mypageFieldLabels)

// coreFieldLabels are the fields shared by the forms and the API.
var coreFieldLabels = map[string]label{
	"email":            {ja: "メールアドレス", en: "e-mail address"},
	"password":         {ja: "パスワード", en: "password"},
	"password_confirm": {ja: "パスワード（確認）", en: "password confirmation"},
	"name":             {ja: "お名前", en: "name"},
	"name_kana":        {ja: "フリガナ", en: "name in katakana"},
	"postal_code":      {ja: "郵便番号", en: "postal code"},
	"prefecture":       {ja: "都道府県", en: "prefecture", choose: true},
	"city":             {ja: "市区町村", en: "city"},
	"line1":            {ja: "番地", en: "street address"},
	"line2":            {ja: "建物名・部屋番号", en: "building and room"},
	"phone":            {ja: "電話番号", en: "phone number"},
	"payment_method":   {ja: "お支払い方法", en: "payment method", choose: true},
	"delivery_date":    {ja: "お届け希望日", en: "delivery date", choose: true},
	"delivery_slot":    {ja: "お届け希望時間帯", en: "delivery time", choose: true},
	"quantity":         {ja: "数量", en: "quantity"},
	"sku":              {ja: "商品番号", en: "item number"},
	"cart":             {ja: "カート", en: "cart"},
	"token":            {ja: "トークン", en: "token"},
	"licence_type":     {ja: "免許の種類", en: "licence type", choose: true},
	"licence_number":   {ja: "免許番号", en: "licence number"},
	"idempotency_key":  {ja: "冪等キー（Idempotency-Key）", en: "idempotency key"},
	"limit":            {ja: "表示件数", en: "limit"},
	"offset":           {ja: "表示開始位置", en: "offset"},
	"sort":             {ja: "並び順", en: "sort order", choose: true},
	"q":                {ja: "検索語", en: "search words"},
	"body":             {ja: "送信内容", en: "request body"},
}

// genericLabel names a field the catalogue does not know.
var genericLabel = label{ja: "入力内容", en: "value"}

// FieldLabel returns the name of a field in lang; a dotted name uses its
// last segment.
func FieldLabel(lang, field string) string {
	l := lookupLabel(field)
	if lang == English {
		return l.en
	}
	return l.ja
}

func lookupLabel(field string) label {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if l, ok := fieldLabels[field]; ok {
		return l
	}
	return genericLabel
}

// FieldMessage turns a shop field reason (shop.ReasonRequired, …) into a
// polite sentence about the field, e.g. 「郵便番号を入力してください」 or
// "Please enter the postal code". Pages show it next to the field; the JSON
// API returns it in error.fields.
func FieldMessage(lang, field, reason string) string {
	l := lookupLabel(field)
	if lang == English {
		return fieldMessageEn(l, reason)
	}
	return fieldMessageJa(l, reason)
}

func fieldMessageJa(l label, reason string) string {
	n := l.ja
	switch reason {
	case shop.ReasonRequired:
		if l.choose {
			return n + "を選択してください"
		}
		return n + "を入力してください"
	case shop.ReasonFormat:
		return n + "の形式が正しくありません。ご確認ください"
	case shop.ReasonChoice:
		return n + "は表示された選択肢の中からお選びください"
	case shop.ReasonRange:
		return n + "が指定できる範囲を超えています。ご確認ください"
	case shop.ReasonLength:
		return n + "の文字数が長すぎるか短すぎます。ご確認ください"
	case shop.ReasonTaken:
		return "この" + n + "はすでに使用されています"
	case shop.ReasonMismatch:
		return n + "が一致しません。ご確認ください"
	case shop.ReasonStopped:
		return "申し訳ございません。お選びの" + n + "はただいま一時停止しております。ほかの" + n + "をお選びください"
	case shop.ReasonCreditLimit:
		return "申し訳ございません。このご注文を承ると請求書払いのご利用限度額を超えてしまうため、請求書払いではお受けできません。ほかの" + n + "をお選びいただくか、当店までお問い合わせください"
	case shop.ReasonCommon:
		return "ご入力の" + n + "は広く使われていて推測されやすいため、ご利用いただけません。お手数ですが、別の" + n + "をご設定ください"
	case shop.ReasonCouponUnknown:
		return "ご入力の" + n + "はご利用いただけません。お手数ですが、コードをご確認ください"
	case shop.ReasonCouponPeriod:
		return "申し訳ございません。このクーポンはご利用期間外です"
	case shop.ReasonCouponMinSpend:
		return "申し訳ございません。このクーポンは対象商品のご購入金額が最低利用金額に達していないため、ご利用いただけません"
	case shop.ReasonCouponUsedUp:
		return "申し訳ございません。このクーポンはご利用回数の上限に達しています"
	case shop.ReasonCouponNoItems:
		return "申し訳ございません。カートの中にこのクーポンの対象商品がございません"
	}
	return n + "をご確認ください"
}

func fieldMessageEn(l label, reason string) string {
	n := l.en
	switch reason {
	case shop.ReasonRequired:
		if l.choose {
			return "Please choose the " + n
		}
		return "Please enter the " + n
	case shop.ReasonFormat:
		return "Please check the format of the " + n
	case shop.ReasonChoice:
		return "Please choose the " + n + " from the options shown"
	case shop.ReasonRange:
		return "The " + n + " is out of the allowed range"
	case shop.ReasonLength:
		return "The " + n + " is too long or too short"
	case shop.ReasonTaken:
		return "This " + n + " is already in use"
	case shop.ReasonMismatch:
		return "The " + n + " does not match"
	case shop.ReasonStopped:
		return "We are sorry: the " + n + " you chose is paused at the moment. Please choose another " + n
	case shop.ReasonCreditLimit:
		return "We are sorry: this order would take your invoice account over its credit limit, so we cannot accept it on invoice. Please choose another " + n + " or contact us"
	case shop.ReasonCommon:
		return "This " + n + " is widely used and easy to guess. Please choose another " + n
	case shop.ReasonCouponUnknown:
		return "This " + n + " cannot be used. Please check the code"
	case shop.ReasonCouponPeriod:
		return "We are sorry: this coupon is not valid today"
	case shop.ReasonCouponMinSpend:
		return "We are sorry: the items this coupon applies to do not reach its minimum spend"
	case shop.ReasonCouponUsedUp:
		return "We are sorry: this coupon has reached its limit of uses"
	case shop.ReasonCouponNoItems:
		return "We are sorry: none of the items in your cart is covered by this coupon"
	}
	return "Please check the " + n
}

// FieldMessages translates every field reason of err (nil when err has
// none), keyed by the field's dotted name.
func FieldMessages(lang string, err error) map[string]string {
	fields := shop.ErrorFields(err)
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(fields))
	for f, reason := range fields {
		out[f] = FieldMessage(lang, f, reason)
	}
	return out
}

// OrderedMessages lists the messages of errs in the order of the form's
// fields, then those of any other field by name, so that the summary at
// the top of a form reads in the order the customer fills it in.
func OrderedMessages(errs map[string]string, fields ...string) []string {
	out := make([]string, 0, len(errs))
	seen := make(map[string]bool, len(fields))
	for _, f := range fields {
		if m, ok := errs[f]; ok && !seen[f] {
			out = append(out, m)
		}
		seen[f] = true
	}
	rest := make([]string, 0, len(errs))
	for f := range errs {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		out = append(out, errs[f])
	}
	return out
}
