package edge_test

import (
	"errors"
	"fmt"
	"testing"

	"kaede/internal/edge"
	"kaede/internal/shop"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{shop.Errorf(shop.Invalid, "x"), 422},
		{shop.Errorf(shop.NotFound, "x"), 404},
		{shop.Errorf(shop.Conflict, "x"), 409},
		{shop.Errorf(shop.OutOfStock, "x"), 409},
		{shop.Errorf(shop.Unauthorized, "x"), 401},
		{shop.Errorf(shop.Forbidden, "x"), 403},
		{shop.Errorf(shop.TooMany, "x"), 429},
		{shop.Errorf(shop.Unavailable, "x"), 503},
		{shop.Errorf(shop.Internal, "x"), 500},
		{fmt.Errorf("wrapped: %w", shop.Errorf(shop.NotFound, "x")), 404},
		{errors.New("sql: connection refused"), 500},
	}
	for _, tt := range tests {
		if got := edge.Status(tt.err); got != tt.want {
			t.Errorf("Status(%v)=%d, want %d", tt.err, got, tt.want)
		}
	}
}
