package shop

import "fmt"

// TaxRate is a Japanese consumption tax rate in percent.
type TaxRate int

// The two rates in force: standard, and reduced for food and drink.
const (
	RateStandard TaxRate = 10
	RateReduced  TaxRate = 8
)

// TaxClass is how a product is taxed; it is stored with the product.
type TaxClass string

// The tax classes a product may have.
const (
	TaxStandard TaxClass = "standard"
	TaxReduced  TaxClass = "reduced"
)

// Rate returns the tax rate of the class.
func (c TaxClass) Rate() TaxRate {
	if c == TaxReduced {
		return RateReduced
	}
	return RateStandard
}

// Valid reports whether c is a known tax class.
func (c TaxClass) Valid() bool { return c == TaxStandard || c == TaxReduced }

// Rounding is how the tax of one rate on one invoice is rounded to whole yen.
// The qualified invoice system lets the shop choose, but the tax must be
// rounded once per rate per invoice, never per line.
type Rounding string

// The rounding modes a shop may choose.
const (
	RoundFloor  Rounding = "floor"
	RoundHalfUp Rounding = "half_up"
	RoundCeil   Rounding = "ceil"
)

// Valid reports whether r is a known rounding mode.
func (r Rounding) Valid() bool {
	return r == RoundFloor || r == RoundHalfUp || r == RoundCeil
}

// divide returns num/den rounded by r; num and den are not negative.
func (r Rounding) divide(num, den int64) int64 {
	q, rem := num/den, num%den
	switch r {
	case RoundCeil:
		if rem > 0 {
			q++
		}
	case RoundHalfUp:
		if 2*rem >= den {
			q++
		}
	}
	return q
}

// TaxLine is one amount subject to tax at one rate: an order line, the
// shipping fee or the cash-on-delivery fee.
type TaxLine struct {
	Rate   TaxRate
	Amount Yen // tax-included or tax-excluded, as the Basis says
}

// Basis says whether the amounts handed to ComputeTax include tax already.
// Shops that print tax-included prices (総額表示) usually enter them so.
type Basis string

// The two pricing bases.
const (
	TaxIncluded Basis = "included"
	TaxExcluded Basis = "excluded"
)

// Valid reports whether b is a known basis.
func (b Basis) Valid() bool { return b == TaxIncluded || b == TaxExcluded }

// TaxSummary is the tax of one rate on one invoice.
type TaxSummary struct {
	Rate    TaxRate
	Taxable Yen // the tax-excluded amount at this rate
	Tax     Yen // the consumption tax at this rate, rounded once
}

// Total is the tax-included amount at this rate.
func (s TaxSummary) Total() Yen { return s.Taxable + s.Tax }

// ComputeTax adds up the lines per rate and computes the tax once per rate,
// as the invoice rules require. Rates come out highest first; a rate with
// no lines is left out.
func ComputeTax(lines []TaxLine, basis Basis, rounding Rounding) ([]TaxSummary, error) {
	if !basis.Valid() {
		return nil, fmt.Errorf("compute tax: unknown basis %q", basis)
	}
	if !rounding.Valid() {
		return nil, fmt.Errorf("compute tax: unknown rounding %q", rounding)
	}
	sums := map[TaxRate]int64{}
	for _, l := range lines {
		if l.Rate != RateStandard && l.Rate != RateReduced {
			return nil, fmt.Errorf("compute tax: unknown rate %d", l.Rate)
		}
		if l.Amount < 0 {
			return nil, fmt.Errorf("compute tax: negative amount %d", l.Amount)
		}
		sums[l.Rate] += int64(l.Amount)
	}
	var out []TaxSummary
	for _, rate := range []TaxRate{RateStandard, RateReduced} {
		sum, ok := sums[rate]
		if !ok {
			continue
		}
		var s TaxSummary
		s.Rate = rate
		switch basis {
		case TaxExcluded:
			s.Taxable = Yen(sum)
			s.Tax = Yen(rounding.divide(sum*int64(rate), 100))
		case TaxIncluded:
			s.Tax = Yen(rounding.divide(sum*int64(rate), 100+int64(rate)))
			s.Taxable = Yen(sum) - s.Tax
		}
		out = append(out, s)
	}
	return out, nil
}

// PriceWithTax returns the tax-included price of one unit priced on the
// given basis. With the excluded basis it is only for display: the order's
// tax is computed once per rate by ComputeTax.
func PriceWithTax(price Yen, rate TaxRate, basis Basis, rounding Rounding) Yen {
	if basis == TaxIncluded {
		return price
	}
	return price + Yen(rounding.divide(int64(price)*int64(rate), 100))
}
