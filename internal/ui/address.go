package ui

import (
	"net/url"
	"strconv"

	"kaede/internal/shop"
)

// FormField is one input or select as the shared "form_fields" partial
// draws it: its label and 必須/任意 marker from the catalogue, the value
// submitted last time and, after a refused submission, the sentence saying
// what is wrong.
type FormField struct {
	Name      string // the form's field name: "postal_code", "shipping_address.postal_code"
	ID        string // the element's id, which the label and the messages point at
	Label     string
	Type      string // an input type ("text", "tel", "email"), or "select" with Choices
	Auto      string // the autocomplete attribute
	InputMode string
	MaxLength int
	Help      string
	Required  bool
	Marker    string // 必須 or 任意, in the page's language
	Value     string
	Error     string
	Choices   []Choice
	// Lookup, on the postal code, labels the 「住所を検索」 button that
	// submits the form to be filled from the code (internal/web/postcode.go).
	Lookup string
}

// Choice is one option of a select; the first, with no value, asks the
// customer to choose.
type Choice struct {
	Value, Label string
	Selected     bool
}

// addressField is one field of a Japanese postal address, in the order
// the address forms show them.
type addressField struct {
	name, typ, auto, mode, help string
	maxLength                   int
	optional                    bool
}

var addressFields = []addressField{
	{name: "name", typ: "text", auto: "name", maxLength: 60},
	{name: "name_kana", typ: "text", auto: "off", help: "checkout.kana.help", maxLength: 60},
	{name: "postal_code", typ: "text", auto: "postal-code", mode: "numeric", help: "checkout.postal.help", maxLength: 8},
	{name: "prefecture", typ: "select", auto: "address-level1"},
	{name: "city", typ: "text", auto: "address-level2", maxLength: 60},
	{name: "line1", typ: "text", auto: "address-line1", maxLength: 100},
	{name: "line2", typ: "text", auto: "address-line2", maxLength: 100, optional: true},
	{name: "phone", typ: "tel", auto: "tel", maxLength: 20},
}

// AddressFields are the fields of a postal address as every address form
// (my page's address book, checkout) shows them. prefix is put before each
// field's name ("shipping_address." at checkout) and idPrefix before each
// element's id; values and errs are keyed by the prefixed names.
func AddressFields(lang, prefix, idPrefix string, values url.Values, errs map[string]string) []FormField {
	out := make([]FormField, 0, len(addressFields))
	for _, f := range addressFields {
		out = append(out, formField(lang, f, prefix, idPrefix, values, errs))
	}
	return out
}

// NameFields are the customer's name, its reading and an optional phone
// number: the part of an address the registration form asks for.
func NameFields(lang string, values url.Values, errs map[string]string) []FormField {
	out := make([]FormField, 0, 3)
	for _, f := range addressFields {
		switch f.name {
		case "name", "name_kana":
			out = append(out, formField(lang, f, "", "", values, errs))
		case "phone":
			f.optional = true
			out = append(out, formField(lang, f, "", "", values, errs))
		}
	}
	return out
}

func formField(lang string, f addressField, prefix, idPrefix string, values url.Values, errs map[string]string) FormField {
	name := prefix + f.name
	ff := FormField{
		Name: name, ID: idPrefix + f.name, Label: Store.T(lang, "account.field."+f.name),
		Type: f.typ, Auto: f.auto, InputMode: f.mode, MaxLength: f.maxLength,
		Required: !f.optional, Value: values.Get(name), Error: errs[name],
		Marker: Store.T(lang, "account.required"),
	}
	if f.optional {
		ff.Marker = Store.T(lang, "account.optional")
	}
	if f.help != "" {
		ff.Help = Store.T(lang, f.help)
	}
	if f.name == "postal_code" {
		ff.Lookup = Store.T(lang, "address.lookup")
	}
	if f.typ == "select" {
		ff.Choices = append(ff.Choices, Choice{Label: Store.T(lang, "account.choose")})
		for _, p := range shop.Prefectures {
			code := strconv.Itoa(p.Code)
			ff.Choices = append(ff.Choices, Choice{Value: code, Label: PrefectureName(lang, p.Code), Selected: code == ff.Value})
		}
	}
	return ff
}
