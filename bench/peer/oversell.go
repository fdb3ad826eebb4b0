package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// The Admin API operations of the oversell run: sign in, read a
// variant's stock, and give it a number of units to sell.
const (
	adminLoginQuery = `mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    ... on CurrentUser { id }
    ... on ErrorResult { errorCode message }
  }
}`
	variantStockQuery = `query VariantStock($id: ID!) {
  productVariant(id: $id) { id name stockOnHand stockAllocated trackInventory }
}`
	// trackInventory TRUE: the sample data's variants inherit the
	// channel's setting; the run is about a store that counts its stock.
	setStockQuery = `mutation SetStock($id: ID!, $stockOnHand: Int!) {
  updateProductVariants(input: [{id: $id, stockOnHand: $stockOnHand, trackInventory: TRUE}]) {
    id name stockOnHand stockAllocated trackInventory
  }
}`
)

// variantStock is a variant's stock as the Admin API reports it: units on
// hand, and those allocated to paid orders not yet shipped.
type variantStock struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	StockOnHand    int    `json:"stockOnHand"`
	StockAllocated int    `json:"stockAllocated"`
	TrackInventory string `json:"trackInventory"`
}

// oversold is what an oversell run saw.
type oversold struct {
	variant      variantStock   // after the stock was set, before the buyers
	after        variantStock   // once every buyer is done
	units        int            // units put on sale
	buyers       int            // buyers, one unit each
	oneByOne     bool           // each buyer starts once the one before is done
	paid         int            // orders whose payment went in
	refused      map[string]int // failed checkouts, by ErrorResult code or first words
	firstFailure error
}

// allocated is how many units the peer's stock counter says the run
// allocated. Each paid order is one unit; Vendure 3.7 counts fewer when
// the buyers pay at once, so the run reports both.
func (o oversold) allocated() int { return o.after.StockAllocated - o.variant.StockAllocated }

// sale is an oversell run: who signs in to the Admin API, which variant
// goes on sale with how many units, and how many buyers come for it, all
// at once or one by one (the control: the same store without the race).
type sale struct {
	variantID, user, password string
	units, buyers             int
	oneByOne                  bool
}

// oversell signs in to the Admin API, puts units of a variant on sale
// (its units on hand become its allocated units plus units), and sends
// buyers to buy one unit each on the Shop API, at the same moment unless
// one by one. A store that keeps its stock sells at most units of them.
// It then leaves the variant as many units for sale as it had before.
func oversell(ctx context.Context, shop, admin *session, sl sale) (oversold, error) {
	variantID, user, password, units, buyers := sl.variantID, sl.user, sl.password, sl.units, sl.buyers
	var login map[string]orderResult
	if err := admin.do(ctx, "Login", adminLoginQuery, map[string]any{"username": user, "password": password}, &login); err != nil {
		return oversold{}, err
	}
	if err := login["login"].err("Login"); err != nil {
		return oversold{}, err
	}
	before, err := variantStockOf(ctx, admin, variantID)
	if err != nil {
		return oversold{}, err
	}
	var set struct {
		Variants []variantStock `json:"updateProductVariants"`
	}
	if err := admin.do(ctx, "SetStock", setStockQuery,
		map[string]any{"id": variantID, "stockOnHand": before.StockAllocated + units}, &set); err != nil {
		return oversold{}, err
	}
	if len(set.Variants) != 1 || set.Variants[0].StockOnHand != before.StockAllocated+units {
		return oversold{}, fmt.Errorf("SetStock: got %+v, want %d on hand", set.Variants, before.StockAllocated+units)
	}
	o := oversold{variant: set.Variants[0], units: units, buyers: buyers, oneByOne: sl.oneByOne, refused: map[string]int{}}
	together := buyers
	if sl.oneByOne {
		together = 1
	}
	slots := make(chan struct{}, together)

	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range buyers {
		wg.Go(func() {
			<-start
			slots <- struct{}{}
			defer func() { <-slots }()
			b := buyer{variantID: variantID, quantity: 1, email: fmt.Sprintf("oversell-%d@example.jp", i)}
			_, err := placeOrder(ctx, &session{url: shop.url, client: shop.client}, b)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				o.paid++
				return
			}
			o.refused[failureKind(err)]++
			if o.firstFailure == nil {
				o.firstFailure = err
			}
		})
	}
	close(start)
	wg.Wait()
	if o.after, err = variantStockOf(ctx, admin, variantID); err != nil {
		return o, err
	}
	// Give the variant back the units it had for sale, so that the next
	// timed run's buyers of it are not refused for want of stock.
	restore := o.after.StockAllocated + max(0, before.StockOnHand-before.StockAllocated)
	if err := admin.do(ctx, "SetStock", setStockQuery, map[string]any{"id": variantID, "stockOnHand": restore}, &set); err != nil {
		return o, fmt.Errorf("putting the stock back: %w", err)
	}
	return o, nil
}

func variantStockOf(ctx context.Context, admin *session, id string) (variantStock, error) {
	var data struct {
		Variant *variantStock `json:"productVariant"`
	}
	if err := admin.do(ctx, "VariantStock", variantStockQuery, map[string]any{"id": id}, &data); err != nil {
		return variantStock{}, err
	}
	if data.Variant == nil {
		return variantStock{}, fmt.Errorf("VariantStock: no variant %s", id)
	}
	return *data.Variant, nil
}

// failureKind names a failed checkout by the step and the ErrorResult
// code it stopped at, or by its step and first words.
func failureKind(err error) string {
	var r resultError
	if errors.As(err, &r) {
		return r.op + ": " + r.code
	}
	op, msg, _ := strings.Cut(err.Error(), ": ")
	words := strings.Fields(msg)
	return op + ": " + strings.Join(words[:min(6, len(words))], " ")
}

func (o oversold) String() string {
	var refused []string
	for _, k := range slices.Sorted(maps.Keys(o.refused)) {
		refused = append(refused, fmt.Sprintf("%d × %s", o.refused[k], k))
	}
	how := "at once"
	if o.oneByOne {
		how = "one by one"
	}
	s := fmt.Sprintf("peer oversell: %d buyers %s for %d units of %q (variant %s, trackInventory %s): %d orders paid, %d refused",
		o.buyers, how, o.units, o.variant.Name, o.variant.ID, o.variant.TrackInventory, o.paid, o.buyers-o.paid)
	if len(refused) > 0 {
		s += " (" + strings.Join(refused, ", ") + ")"
	}
	if over := o.paid - o.units; over > 0 {
		s += fmt.Sprintf(": OVERSOLD by %d", over)
	} else {
		s += ": not oversold"
	}
	s += fmt.Sprintf("\n  stock after: %d on hand, %d allocated (%+d by this run",
		o.after.StockOnHand, o.after.StockAllocated, o.allocated())
	if o.allocated() != o.paid {
		s += fmt.Sprintf(", for %d units paid: the stock counter is off by %d", o.paid, o.paid-o.allocated())
	}
	return s + ")"
}
