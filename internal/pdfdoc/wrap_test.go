package pdfdoc_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"kaede/internal/pdfdoc"
)

// cells measures text in character cells: every character is one wide,
// which makes expected lines easy to write down.
func cells(s string) float64 { return float64(utf8.RuneCountInString(s)) }

func TestWrap(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		width float64
		want  []string
	}{
		{"fits", "お知らせ", 10, []string{"お知らせ"}},
		{"breaks between kana", "あいうえおかきくけこ", 4, []string{"あいうえ", "おかきく", "けこ"}},
		{"comma not at line start", "あいう、えお", 3, []string{"あい", "う、え", "お"}},
		{"full stop not at line start", "あいう。", 3, []string{"あい", "う。"}},
		{"closing bracket and stop follow their word", "ください）。次", 5, []string{"くださ", "い）。次"}},
		{"opening bracket not at line end", "あい「うえ」", 3, []string{"あい", "「う", "え」"}},
		{"small kana not at line start", "あいカッ", 3, []string{"あい", "カッ"}},
		{"long vowel mark not at line start", "あいカー", 3, []string{"あい", "カー"}},
		{"latin word kept whole", "詳しくは example.com まで", 12, []string{"詳しくは", "example.com", "まで"}},
		{"latin words break at spaces", "call us on weekdays", 8, []string{"call us", "on", "weekdays"}},
		{"word wider than the line is cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"newline starts a line", "一行目\n二行目", 10, []string{"一行目", "二行目"}},
		{"empty line kept", "上\n\n下", 10, []string{"上", "", "下"}},
		{"indent kept", "　本文です", 3, []string{"　本文", "です"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pdfdoc.Wrap(tt.text, tt.width, cells)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Wrap(%q, %v)=%q, want %q", tt.text, tt.width, got, tt.want)
			}
		})
	}
}

// FuzzWrap checks what must hold for any text: no text is lost or added
// apart from spaces at breaks, no line is wider than the width unless it
// could have been broken at a space, and no wrapped line starts with 、
// or 。.
func FuzzWrap(f *testing.F) {
	for _, s := range []string{"お客様には多大なるご迷惑をおかけし、深くお詫び申し上げます。", "see https://kaede.example/notice （詳細）", "a b  c\nd"} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, width int) {
		if !utf8.ValidString(s) || width < 1 || width > 80 {
			return // outside what Wrap is given: text is valid UTF-8, widths are sane
		}
		lines := pdfdoc.Wrap(s, float64(width), cells)
		strip := strings.NewReplacer(" ", "", "\t", "", "\n", "")
		if got, want := strip.Replace(strings.Join(lines, "")), strip.Replace(s); got != want {
			t.Fatalf("text changed: %q, want %q", got, want)
		}
		// A comma or full stop may start a wrapped line only where the text
		// put a space or a newline before it.
		for _, hard := range strings.Split(s, "\n") {
			if strings.Contains(hard, " 、") || strings.Contains(hard, " 。") || strings.Contains(hard, "\t、") || strings.Contains(hard, "\t。") {
				continue
			}
			for _, line := range pdfdoc.Wrap(hard, float64(width), cells)[1:] {
				if strings.HasPrefix(line, "、") || strings.HasPrefix(line, "。") {
					t.Fatalf("line %q starts with punctuation (text %q)", line, s)
				}
			}
		}
		for _, line := range lines {
			if cells(line) > float64(width) && strings.ContainsAny(line, " ") {
				t.Fatalf("line %q is wider than %d though it holds a space", line, width)
			}
		}
	})
}
