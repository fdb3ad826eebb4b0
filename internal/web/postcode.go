package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"kaede/internal/postcode"
	"kaede/internal/shop"
	"kaede/internal/ui"
)

// lookupButton is the name of the address forms' 「住所を検索」 submit
// button. A form submitted with it is filled from the postal code and shown
// again, never saved or quoted: it works without JavaScript.
const lookupButton = "postcode_lookup"

// maxShownTowns bounds the towns listed when one code has many (452-0961
// has 66); the customer then types the town.
const maxShownTowns = 8

// fillFromPostcode fills the address fields named prefix+… in values from
// the postal code there: the prefecture, and the city with its town when
// the code names one. It returns a sentence for the customer, or an error
// naming prefix+"postal_code" when the code is malformed.
func fillFromPostcode(lang string, values url.Values, prefix string) (string, error) {
	places, err := postcode.Lookup(values.Get(prefix + "postal_code"))
	if err != nil {
		if reason, ok := shop.ErrorFields(err)["postal_code"]; ok {
			return "", &shop.Error{Code: shop.Invalid, Message: "invalid postal code",
				Fields: map[string]string{prefix + "postal_code": reason}}
		}
		return "", fmt.Errorf("postcode lookup: %w", err)
	}
	if len(places) == 0 {
		return ui.T(lang, "address.lookup.none"), nil
	}
	values.Set(prefix+"postal_code", places[0].PostalCode)
	sh := postcode.Common(places)
	if sh.Prefecture != 0 {
		values.Set(prefix+"prefecture", strconv.Itoa(sh.Prefecture))
	}
	if sh.City == "" {
		return ui.T(lang, "address.lookup.several"), nil
	}
	city := sh.City
	if len(sh.Towns) == 1 && utf8.RuneCountInString(city+sh.Towns[0]) <= 60 {
		city += sh.Towns[0]
	}
	values.Set(prefix+"city", city)
	if len(sh.Towns) <= 1 {
		return ui.T(lang, "address.lookup.filled"), nil
	}
	towns := sh.Towns
	more := ""
	if len(towns) > maxShownTowns {
		towns, more = towns[:maxShownTowns], ui.T(lang, "address.lookup.more")
	}
	return fmt.Sprintf(ui.T(lang, "address.lookup.towns"), strings.Join(towns, "、")+more), nil
}

// apiPostcodeJSON is GET /api/v1/postcodes/{code}.
type apiPostcodeJSON struct {
	PostalCode string             `json:"postal_code"`
	Places     []apiPostcodePlace `json:"places"`
}

type apiPostcodePlace struct {
	Prefecture     int    `json:"prefecture"`
	PrefectureName string `json:"prefecture_name"`
	City           string `json:"city"`
	Town           string `json:"town"`
}

// apiPostcode returns the places a postal code stands for: none for an
// unknown code, 400 naming postal_code for a malformed one.
func (s *Server) apiPostcode(w http.ResponseWriter, r *http.Request) {
	places, err := postcode.Lookup(r.PathValue("code"))
	if err != nil {
		s.writeJSONError(w, r, err)
		return
	}
	norm, _ := shop.NormalizePostalCode(r.PathValue("code"))
	out := apiPostcodeJSON{PostalCode: norm, Places: []apiPostcodePlace{}}
	for _, p := range places {
		pref, _ := shop.PrefectureByCode(p.Prefecture)
		out.Places = append(out.Places, apiPostcodePlace{Prefecture: p.Prefecture, PrefectureName: pref.Name, City: p.City, Town: p.Town})
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, out)
}
