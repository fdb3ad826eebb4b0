package main

import (
	"context"
	"fmt"
)

// The Shop API operations of a guest's checkout, in the order of Vendure's
// "Checkout Flow" guide (default OrderProcess). Each mutation asks for the
// Order's state, or the ErrorResult it may return instead.
const (
	addItemQuery = `mutation AddItemToOrder($productVariantId: ID!, $quantity: Int!) {
  addItemToOrder(productVariantId: $productVariantId, quantity: $quantity) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
	setCustomerQuery = `mutation SetCustomerForOrder($input: CreateCustomerInput!) {
  setCustomerForOrder(input: $input) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
	setAddressQuery = `mutation SetOrderShippingAddress($input: CreateAddressInput!) {
  setOrderShippingAddress(input: $input) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
	shippingMethodsQuery = `query EligibleShippingMethods {
  eligibleShippingMethods { id code priceWithTax }
}`
	setShippingQuery = `mutation SetOrderShippingMethod($id: [ID!]!) {
  setOrderShippingMethod(shippingMethodId: $id) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
	transitionQuery = `mutation TransitionOrderToState($state: String!) {
  transitionOrderToState(state: $state) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
	paymentMethodsQuery = `query EligiblePaymentMethods {
  eligiblePaymentMethods { code isEligible }
}`
	addPaymentQuery = `mutation AddPaymentToOrder($input: PaymentInput!) {
  addPaymentToOrder(input: $input) {
    ... on Order { id code state }
    ... on ErrorResult { errorCode message }
  }
}`
)

// orderResult is what each mutation above returns: an Order or an
// ErrorResult, told apart by errorCode.
type orderResult struct {
	ID    string `json:"id"`
	Code  string `json:"code"`
	State string `json:"state"`
	errorResult
}

// buyer is who checks out, and with what.
type buyer struct {
	variantID     string
	quantity      int
	email         string
	paymentMethod string // "" takes the first eligible one
}

// placeOrder checks out one guest order on a new session and returns the
// order's code once its payment is in (state PaymentSettled or
// PaymentAuthorized).
func placeOrder(ctx context.Context, s *session, b buyer) (string, error) {
	mutate := func(op, query, field string, vars map[string]any) (orderResult, error) {
		var data map[string]orderResult
		if err := s.do(ctx, op, query, vars, &data); err != nil {
			return orderResult{}, err
		}
		r, ok := data[field]
		if !ok {
			return r, fmt.Errorf("%s: no %s in the answer", op, field)
		}
		return r, r.err(op)
	}
	if _, err := mutate("AddItemToOrder", addItemQuery, "addItemToOrder",
		map[string]any{"productVariantId": b.variantID, "quantity": b.quantity}); err != nil {
		return "", err
	}
	if _, err := mutate("SetCustomerForOrder", setCustomerQuery, "setCustomerForOrder", map[string]any{"input": map[string]any{
		"firstName": "Hanako", "lastName": "Yamada", "emailAddress": b.email, "phoneNumber": "0312345678"}}); err != nil {
		return "", err
	}
	if _, err := mutate("SetOrderShippingAddress", setAddressQuery, "setOrderShippingAddress", map[string]any{"input": map[string]any{
		"fullName": "Hanako Yamada", "streetLine1": "1-2-3 Jingumae", "city": "Shibuya-ku", "province": "Tokyo",
		"postalCode": "150-0001", "countryCode": "JP", "phoneNumber": "0312345678"}}); err != nil {
		return "", err
	}
	var ships struct {
		Methods []struct {
			ID string `json:"id"`
		} `json:"eligibleShippingMethods"`
	}
	if err := s.do(ctx, "EligibleShippingMethods", shippingMethodsQuery, nil, &ships); err != nil {
		return "", err
	}
	if len(ships.Methods) == 0 {
		return "", fmt.Errorf("no eligible shipping method")
	}
	if _, err := mutate("SetOrderShippingMethod", setShippingQuery, "setOrderShippingMethod",
		map[string]any{"id": []string{ships.Methods[0].ID}}); err != nil {
		return "", err
	}
	if r, err := mutate("TransitionOrderToState", transitionQuery, "transitionOrderToState",
		map[string]any{"state": "ArrangingPayment"}); err != nil {
		return "", err
	} else if r.State != "ArrangingPayment" {
		return "", fmt.Errorf("TransitionOrderToState: the order is %q, not ArrangingPayment", r.State)
	}
	method := b.paymentMethod
	if method == "" {
		var pays struct {
			Methods []struct {
				Code       string `json:"code"`
				IsEligible bool   `json:"isEligible"`
			} `json:"eligiblePaymentMethods"`
		}
		if err := s.do(ctx, "EligiblePaymentMethods", paymentMethodsQuery, nil, &pays); err != nil {
			return "", err
		}
		for _, m := range pays.Methods {
			if m.IsEligible {
				method = m.Code
				break
			}
		}
		if method == "" {
			return "", fmt.Errorf("no eligible payment method")
		}
	}
	r, err := mutate("AddPaymentToOrder", addPaymentQuery, "addPaymentToOrder",
		map[string]any{"input": map[string]any{"method": method, "metadata": map[string]any{}}})
	if err != nil {
		return "", err
	}
	if r.State != "PaymentSettled" && r.State != "PaymentAuthorized" {
		return "", fmt.Errorf("AddPaymentToOrder: order %s is %q, not paid", r.Code, r.State)
	}
	return r.Code, nil
}

// listingQuery is the peer's category page: one collection's products, 30
// to a page, with what a product card shows (name, slug, picture, price).
const listingQuery = `query CategoryPage($slug: String!, $skip: Int!) {
  search(input: {collectionSlug: $slug, groupByProduct: true, take: 30, skip: $skip}) {
    totalItems
    items { productId productName slug productVariantId
      productAsset { preview }
      priceWithTax { ... on SinglePrice { value } ... on PriceRange { min max } }
      currencyCode }
  }
}`

// firstVariants returns the variant ids of the collection's first page,
// for the buyers to buy.
func firstVariants(ctx context.Context, s *session, collection string) ([]string, error) {
	var data struct {
		Search struct {
			Items []struct {
				ProductVariantID string `json:"productVariantId"`
			} `json:"items"`
		} `json:"search"`
	}
	if err := s.do(ctx, "CategoryPage", listingQuery, map[string]any{"slug": collection, "skip": 0}, &data); err != nil {
		return nil, err
	}
	var ids []string
	for _, it := range data.Search.Items {
		ids = append(ids, it.ProductVariantID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the collection %q has no products", collection)
	}
	return ids, nil
}
