package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"kaede/internal/member"
	"kaede/internal/order"
	"kaede/internal/shop"
)

// person is one customer of the breach scenario: a member or a guest,
// with an address (a practitioner also their clinic's), the cards they
// pay with, and the orders they place.
type person struct {
	name, kana string
	email      string
	locale     string
	phone      string
	home       shop.Address
	clinic     *shop.Address // a practitioner's clinic, where most of their orders go
	member     bool
	registered time.Time // a member's registration; orders before it are a guest's
	licence    *member.ImportedLicence
	method     order.PaymentMethod // how they usually pay
	cards      []card
	weight     float64 // how often they order, against the others
}

// practitioner reports whether the person may buy practitioners-only
// products at member prices (when logged in).
func (p *person) practitioner() bool {
	return p.licence != nil && p.licence.Status == member.LicenceApproved
}

// card is what a customer's card leaves in Kaede: its brand and last four.
type card struct{ brand, last4 string }

// people draws n customers. Member and practitioner shares are those of a
// supplies shop for clinics: most repeat buyers are practitioners with an
// account, most one-off buyers are guests.
func (g *generator) people(n int) []*person {
	ps := make([]*person, n)
	emails := map[string]bool{}
	for i := range ps {
		p := &person{locale: "ja", weight: 1}
		if g.rng.IntN(60) == 0 {
			f := foreignNames[g.rng.IntN(len(foreignNames))]
			p.name, p.kana, p.locale = f.kanji, f.kana, "en"
			p.email = g.uniqueEmail(emails, f.romaji)
		} else {
			fam := familyNames[g.skewed(len(familyNames))]
			given := givenNamesF
			if g.rng.IntN(2) == 0 {
				given = givenNamesM
			}
			gn := given[g.rng.IntN(len(given))]
			p.name, p.kana = fam.kanji+" "+gn.kanji, fam.kana+" "+gn.kana
			p.email = g.uniqueEmail(emails, g.localPart(fam.romaji, gn.romaji))
		}
		p.phone = fmt.Sprintf("0%d0-%04d-%04d", []int{9, 8, 7}[g.rng.IntN(3)], g.rng.IntN(10000), g.rng.IntN(10000))
		p.home = g.address(p.name, p.kana, p.phone, "")
		p.member = g.rng.Float64() < 0.45
		if p.member && g.rng.Float64() < 0.4 {
			p.licence = g.licence()
			// Clinics buy again and again.
			p.weight = 4
			if p.licence.Status == member.LicenceApproved {
				fam, _, _ := strings.Cut(p.name, " ")
				clinic := g.address(p.name, p.kana, p.phone, fam+clinicKinds[g.rng.IntN(len(clinicKinds))])
				p.clinic = &clinic
			}
		}
		p.weight *= 0.3 + g.rng.ExpFloat64()
		p.method = g.pick([]order.PaymentMethod{order.Card, order.BankTransfer, order.COD}, []float64{52, 20, 28})
		p.cards = []card{g.card()}
		if g.rng.IntN(5) == 0 {
			p.cards = append(p.cards, g.card())
		}
		ps[i] = p
	}
	return ps
}

// localPart makes the part of an e-mail address before the @ from a
// romanised name, the ways people choose one.
func (g *generator) localPart(family, given string) string {
	switch g.rng.IntN(6) {
	case 0:
		return given + "." + family
	case 1:
		return family + "." + given
	case 2:
		return fmt.Sprintf("%s%s%02d", given, family, g.rng.IntN(100))
	case 3:
		return given[:1] + family
	case 4:
		return fmt.Sprintf("%s_%d", family, 1950+g.rng.IntN(55))
	}
	return given + "-" + family[:1]
}

// uniqueEmail returns local@domain with a number added when the address
// is taken.
func (g *generator) uniqueEmail(taken map[string]bool, local string) string {
	domain := mailDomains[g.rng.IntN(len(mailDomains))]
	e := local + "@" + domain
	for n := 2; taken[e]; n++ {
		e = fmt.Sprintf("%s%d@%s", local, n, domain)
	}
	taken[e] = true
	return e
}

// address draws a real city weighted by its prefecture's population, a
// plausible postal code for it, a street line and, sometimes, a building;
// line2 is the clinic's name for a clinic address.
func (g *generator) address(name, kana, phone, line2 string) shop.Address {
	pref := g.prefectures[g.weighted(g.prefectureWeights)]
	cities := prefectureCities[pref].cities
	c := cities[g.rng.IntN(len(cities))]
	postal := fmt.Sprintf("%s-%04d", c.postals[g.rng.IntN(len(c.postals))], g.rng.IntN(90)*100+g.rng.IntN(40))
	line1 := fmt.Sprintf("%s%d丁目%d-%d", towns[g.rng.IntN(len(towns))], 1+g.rng.IntN(5), 1+g.rng.IntN(30), 1+g.rng.IntN(20))
	if line2 == "" && g.rng.IntN(5) < 2 {
		line2 = fmt.Sprintf("%s %d%02d号室", buildings[g.rng.IntN(len(buildings))], 1+g.rng.IntN(8), 1+g.rng.IntN(12))
	}
	return shop.Address{Name: name, NameKana: kana, PostalCode: postal, Prefecture: pref, City: c.name,
		Line1: line1, Line2: line2, Phone: phone}
}

// licence draws a practitioner licence, mostly approved.
func (g *generator) licence() *member.ImportedLicence {
	types := []string{"hari", "kyu", "anma", "judo"}
	l := &member.ImportedLicence{Type: types[g.rng.IntN(len(types))], Number: fmt.Sprintf("%06d", 10000+g.rng.IntN(190000)),
		Status: member.LicenceApproved, Reviewer: reviewer}
	switch g.rng.IntN(20) {
	case 0:
		l.Status = member.LicencePending
		l.Reviewer = ""
	case 1:
		l.Status = member.LicenceRejected
	}
	return l
}

// card draws a card by the brands' shares in Japan, and its last four.
func (g *generator) card() card {
	ws := make([]float64, len(cardBrands))
	for i, b := range cardBrands {
		ws[i] = float64(b.weight)
	}
	return card{brand: cardBrands[g.weighted(ws)].name, last4: fmt.Sprintf("%04d", g.rng.IntN(10000))}
}

// registrations sets when each member registered: most before their first
// order (often before the history starts), some between their first and
// second orders, so that their first orders are a guest's with the same
// e-mail address.
func (g *generator) registrations(ps []*person, firsts [][]time.Time) {
	for i, p := range ps {
		if !p.member {
			continue
		}
		times := firsts[i]
		if len(times) >= 2 && g.rng.IntN(4) == 0 {
			gap := times[1].Sub(times[0])
			p.registered = times[0].Add(time.Duration(g.rng.Float64() * float64(gap))).Truncate(time.Second)
		} else {
			p.registered = times[0].Add(-time.Duration(g.rng.IntN(700*24*60)) * time.Minute).Truncate(time.Second)
		}
		if l := p.licence; l != nil {
			l.SubmittedAt = p.registered.Add(time.Duration(5+g.rng.IntN(60)) * time.Minute)
			if l.Status != member.LicencePending {
				l.ReviewedAt = l.SubmittedAt.Add(time.Duration(2+g.rng.IntN(40)) * time.Hour)
			}
		}
	}
}

// imported is the person's account for member.Import.
func (p *person) imported(hash string) member.Imported {
	m := member.Imported{Email: p.email, PasswordHash: hash, Name: p.name, NameKana: p.kana, Phone: p.phone,
		Locale: p.locale, VerifiedAt: p.registered.Add(3 * time.Minute), CreatedAt: p.registered,
		Addresses: []shop.Address{p.home}, Licence: p.licence}
	if p.clinic != nil {
		m.Addresses = append(m.Addresses, *p.clinic)
	}
	return m
}

// skewed draws an index below n, the first ones more often (a name's
// rank against its frequency).
func (g *generator) skewed(n int) int {
	return min(int(float64(n)*g.rng.Float64()*g.rng.Float64()), n-1)
}

// weighted draws an index of ws, each as likely as its weight.
func (g *generator) weighted(ws []float64) int {
	var sum float64
	for _, w := range ws {
		sum += w
	}
	x := g.rng.Float64() * sum
	for i, w := range ws {
		if x < w {
			return i
		}
		x -= w
	}
	return len(ws) - 1
}

// pick draws one of xs by the weights ws.
func (g *generator) pick(xs []order.PaymentMethod, ws []float64) order.PaymentMethod {
	return xs[g.weighted(ws)]
}

// newRand is the scenario's one source of chance: the same seed gives the
// same shop.
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6b61656465)) // "kaede"
}
