package cart

import (
	"context"
	"database/sql"

	"kaede/internal/settings"
	"kaede/internal/throttle"
)

// CreateFor starts an empty guest cart for a client at addr (its address
// as the edge computed it), within the shop's limit of carts per address
// (settings.Limits.CartsPerAddress): past it, a shop.TooMany with
// RetryAfter and no cart, so that a script cannot fill the table. The
// store and the API create guests' carts only through here.
func (s *Service) CreateFor(ctx context.Context, addr string) (*Cart, error) {
	st, err := settings.Load(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var id string
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if addr != "" {
			err := throttle.New(s.db).Take(ctx, tx, s.clock(), "too many carts created; please wait a while",
				throttle.Rule{Bucket: "cart_address", Subject: throttle.Address(addr), Windows: st.Limits.CartsPerAddress})
			if err != nil {
				return err
			}
		}
		id, err = s.create(ctx, tx, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Cart{ID: id}, nil
}
