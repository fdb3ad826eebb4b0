package shop_test

import (
	"reflect"
	"testing"

	"kaede/internal/shop"
)

func TestComputeTax(t *testing.T) {
	l := func(rate shop.TaxRate, amounts ...shop.Yen) []shop.TaxLine {
		var out []shop.TaxLine
		for _, a := range amounts {
			out = append(out, shop.TaxLine{Rate: rate, Amount: a})
		}
		return out
	}
	tests := []struct {
		name     string
		lines    []shop.TaxLine
		basis    shop.Basis
		rounding shop.Rounding
		want     []shop.TaxSummary
	}{
		// The invoice rule's own example: once per rate, never per line
		// (per line would give 10+10+10 = 30).
		{"three ¥105 excluded floor", l(10, 105, 105, 105), shop.TaxExcluded, shop.RoundFloor,
			[]shop.TaxSummary{{Rate: 10, Taxable: 315, Tax: 31}}},
		{"three ¥105 excluded ceil", l(10, 105, 105, 105), shop.TaxExcluded, shop.RoundCeil,
			[]shop.TaxSummary{{Rate: 10, Taxable: 315, Tax: 32}}},
		{"three ¥105 excluded half up", l(10, 105, 105, 105), shop.TaxExcluded, shop.RoundHalfUp,
			[]shop.TaxSummary{{Rate: 10, Taxable: 315, Tax: 32}}},
		{"half up below half", l(10, 104), shop.TaxExcluded, shop.RoundHalfUp,
			[]shop.TaxSummary{{Rate: 10, Taxable: 104, Tax: 10}}},
		{"included 10%", l(10, 1100), shop.TaxIncluded, shop.RoundFloor,
			[]shop.TaxSummary{{Rate: 10, Taxable: 1000, Tax: 100}}},
		{"included floor", l(10, 1000), shop.TaxIncluded, shop.RoundFloor,
			[]shop.TaxSummary{{Rate: 10, Taxable: 910, Tax: 90}}},
		{"included ceil", l(10, 1000), shop.TaxIncluded, shop.RoundCeil,
			[]shop.TaxSummary{{Rate: 10, Taxable: 909, Tax: 91}}},
		{"mixed rates, standard first", append(l(8, 540, 324), l(10, 2200, 550)...), shop.TaxIncluded, shop.RoundFloor,
			[]shop.TaxSummary{{Rate: 10, Taxable: 2500, Tax: 250}, {Rate: 8, Taxable: 800, Tax: 64}}},
		{"mixed excluded", append(l(8, 105, 105, 105), l(10, 105, 105, 105)...), shop.TaxExcluded, shop.RoundFloor,
			[]shop.TaxSummary{{Rate: 10, Taxable: 315, Tax: 31}, {Rate: 8, Taxable: 315, Tax: 25}}},
		{"no lines", nil, shop.TaxIncluded, shop.RoundFloor, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := shop.ComputeTax(tt.lines, tt.basis, tt.rounding)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestComputeTaxRejectsBadInput(t *testing.T) {
	bad := []struct {
		name     string
		lines    []shop.TaxLine
		basis    shop.Basis
		rounding shop.Rounding
	}{
		{"rate", []shop.TaxLine{{Rate: 5, Amount: 1}}, shop.TaxIncluded, shop.RoundFloor},
		{"negative", []shop.TaxLine{{Rate: 10, Amount: -1}}, shop.TaxIncluded, shop.RoundFloor},
		{"basis", nil, "gross", shop.RoundFloor},
		{"rounding", nil, shop.TaxIncluded, "bankers"},
	}
	for _, tt := range bad {
		if _, err := shop.ComputeTax(tt.lines, tt.basis, tt.rounding); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestYenString(t *testing.T) {
	for in, want := range map[shop.Yen]string{0: "¥0", 999: "¥999", 1000: "¥1,000", 1234567: "¥1,234,567", -5500: "¥-5,500"} {
		if got := in.String(); got != want {
			t.Errorf("Yen(%d)=%q, want %q", in, got, want)
		}
	}
}
