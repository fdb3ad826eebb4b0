package cart

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"kaede/internal/shop"

	"kaede/internal/settings"
	"kaede/internal/throttle"
)

// Item is a quantity of a SKU to put in a new cart.
type Item struct {
	SKU      string
	Quantity int
}

// CreateFor starts a guest cart for a client at addr (its address as the
// edge computed it), within the shop's limit of carts per address
// (settings.Limits.CartsPerAddress): past it, a shop.TooMany with
// RetryAfter and no cart, so that a script cannot fill the table. The
// store and the API create guests' carts only through here.
//
// The cart holds items when given (at most MaxLines), each added by
// AddItem's rules in the same transaction: one write for a client that
// knows what it buys. An item AddItem would refuse refuses the cart, with
// the item's fields named "items[i].sku" and "items[i].quantity".
func (s *Service) CreateFor(ctx context.Context, addr string, items []Item, viewer shop.Viewer) (*Cart, error) {
	if len(items) > MaxLines {
		return nil, shop.Problems{"items": shop.ReasonRange}.Err()
	}
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var id string
	var c *Cart
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if addr != "" {
			err := throttle.New(s.db).Take(ctx, tx, s.clock(), "too many carts created; please wait a while",
				throttle.Rule{Bucket: "cart_address", Subject: throttle.Address(addr), Windows: st.Limits.CartsPerAddress})
			if err != nil {
				return err
			}
		}
		var err error
		if id, err = s.create(ctx, tx, 0); err != nil {
			return err
		}
		for i, it := range items {
			err := s.changeLine(ctx, tx, id, it.SKU, viewer, func(current int) (int, error) {
				if it.Quantity < 1 {
					return 0, rangeError()
				}
				return current + it.Quantity, nil
			}, it.Quantity < 1)
			if err != nil {
				return itemError(i, err)
			}
		}
		if len(items) > 0 {
			c, err = Load(ctx, tx, id, viewer)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if c == nil {
		c = &Cart{ID: id}
	}
	return c, nil
}

// itemError names the fields of the i-th item's error after the item.
func itemError(i int, err error) error {
	var se *shop.Error
	if !errors.As(err, &se) || len(se.Fields) == 0 {
		return err
	}
	named := *se
	named.Fields = make(map[string]string, len(se.Fields))
	for k, v := range se.Fields {
		named.Fields[fmt.Sprintf("items[%d].%s", i, k)] = v
	}
	return &named
}
