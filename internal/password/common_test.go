package password_test

import (
	"testing"

	"kaede/internal/password"
)

func TestCommon(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{"password", true},
		{"PassWord", true}, // case is ignored
		{"123456789", true},
		{"1qaz2wsx", true},
		{"qwertyuiop", true},
		{"correct horse battery staple kaede", false},
		{"", false},
	} {
		if got := password.Common(tc.p); got != tc.want {
			t.Errorf("Common(%q) = %v, want %v", tc.p, got, tc.want)
		}
	}
}
