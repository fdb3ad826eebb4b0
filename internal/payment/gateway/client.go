package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kaede/internal/payment"
	"kaede/internal/shop"
)

// Name is the provider's name as the store records it with each payment.
const Name = "test_gateway"

// Client is the store's side of the gateway: a payment.Provider over the
// merchant API. It never handles a card; it only creates payments, asks
// about them, captures, cancels and refunds, and checks webhooks.
type Client struct {
	baseURL       string
	apiKey        string
	webhookSecret string
	http          *http.Client
}

var _ payment.Provider = (*Client)(nil)

// NewClient returns a client of the gateway at baseURL. A nil httpClient
// means one with a 15 s timeout.
func NewClient(baseURL, apiKey, webhookSecret string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{baseURL: strings.TrimSuffix(baseURL, "/"), apiKey: apiKey, webhookSecret: webhookSecret, http: httpClient}
}

// Name implements payment.Provider.
func (c *Client) Name() string { return Name }

// WebhookHeader implements payment.Provider.
func (c *Client) WebhookHeader() string { return SignatureHeader }

// Create implements payment.Provider. It only creates the payment: what
// the customer's card does is learnt later, from Get or a webhook.
func (c *Client) Create(ctx context.Context, req payment.CreateRequest) (payment.Session, error) {
	body := createRequest{
		Order: req.OrderNumber, Amount: req.Amount, Email: req.Email, Name: req.Name, Phone: req.Phone,
		ReturnURL: req.ReturnURL, CancelURL: req.CancelURL, Capture: string(req.Capture), Method: req.Method,
	}
	if req.Method == payment.MethodKonbini {
		body.VoucherExpiresAt = req.VoucherExpiresAt.Unix()
	}
	var p Payment
	if err := c.do(ctx, http.MethodPost, "/v1/payments", req.IdempotencyKey, body, &p); err != nil {
		return payment.Session{}, fmt.Errorf("%s: create payment for order %s: %w", Name, req.OrderNumber, err)
	}
	return payment.Session{Ref: p.ID, RedirectURL: p.RedirectURL, Voucher: p.voucher()}, nil
}

// Get implements payment.Provider.
func (c *Client) Get(ctx context.Context, ref string) (payment.Status, error) {
	return c.status(ctx, http.MethodGet, "get", ref, "", "", nil)
}

// Capture implements payment.Provider.
func (c *Client) Capture(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (payment.Status, error) {
	return c.status(ctx, http.MethodPost, "capture", ref, "/capture", idempotencyKey, amountRequest{Amount: amount})
}

// Cancel implements payment.Provider.
func (c *Client) Cancel(ctx context.Context, ref string, idempotencyKey string) (payment.Status, error) {
	return c.status(ctx, http.MethodPost, "cancel", ref, "/cancel", idempotencyKey, struct{}{})
}

// Refund implements payment.Provider.
func (c *Client) Refund(ctx context.Context, ref string, amount shop.Yen, idempotencyKey string) (payment.Status, error) {
	return c.status(ctx, http.MethodPost, "refund", ref, "/refunds", idempotencyKey, amountRequest{Amount: amount})
}

// status calls one payment's endpoint and returns the payment's status.
func (c *Client) status(ctx context.Context, method, action, ref, suffix, key string, body any) (payment.Status, error) {
	var p Payment
	if err := c.do(ctx, method, "/v1/payments/"+url.PathEscape(ref)+suffix, key, body, &p); err != nil {
		return payment.Status{}, fmt.Errorf("%s: %s payment %s: %w", Name, action, ref, err)
	}
	st, err := toStatus(p)
	if err != nil {
		return payment.Status{}, fmt.Errorf("%s: %s payment %s: %w", Name, action, ref, err)
	}
	return st, nil
}

// do makes one API call. An error answer becomes a *shop.Error with the
// gateway's code, message and fields, so the store handles it like its
// own; a network failure is wrapped as it is.
func (c *Client) do(ctx context.Context, method, path, key string, body, out any) error {
	var rd io.Reader
	if method == http.MethodPost {
		if key == "" {
			return errors.New("no idempotency key")
		}
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(IdempotencyHeader, key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if res.StatusCode >= 300 {
		return apiErrorOf(res.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// apiErrorOf turns an error answer into a *shop.Error. A 5xx, or an answer
// that is not the gateway's error JSON, is internal: the store retries it.
func apiErrorOf(status int, b []byte) error {
	var body apiErrorBody
	if status >= 500 || json.Unmarshal(b, &body) != nil || body.Error.Code == "" {
		return fmt.Errorf("gateway answered %d", status)
	}
	return &shop.Error{Code: body.Error.Code, Message: "payment provider: " + body.Error.Message, Fields: body.Error.Fields}
}

// toStatus maps the gateway's payment to the store's payment.Status.
func toStatus(p Payment) (payment.Status, error) {
	switch p.State {
	case payment.Pending, payment.RequiresAction, payment.Authorized, payment.Captured, payment.Declined,
		payment.Failed, payment.Cancelled, payment.Refunded, payment.PartiallyRefunded:
	default:
		return payment.Status{}, fmt.Errorf("unknown payment state %q", p.State)
	}
	if p.ID == "" {
		return payment.Status{}, errors.New("payment without id")
	}
	return payment.Status{
		Ref: p.ID, State: p.State, Amount: p.Amount, Captured: p.Captured, Refunded: p.Refunded,
		Brand: p.Brand, Last4: p.Last4, Reason: p.Reason, Voucher: p.voucher(),
	}, nil
}
