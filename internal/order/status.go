package order

// Status is where an order is in its life.
type Status string

// The statuses an order may have.
const (
	// AwaitingPayment: a card order whose payment the customer has not
	// completed yet (3-D Secure, the provider's page). Not yet binding.
	AwaitingPayment Status = "awaiting_payment"
	// Placed: the order is binding; bank transfer awaits the money, cash on
	// delivery awaits shipping, a card payment is authorised.
	Placed Status = "placed"
	// Paid: the shop has the money (transfer received, card captured).
	Paid Status = "paid"
	// Shipped: handed to the carrier.
	Shipped Status = "shipped"
	// Delivered: the customer has the goods (and, for cash on delivery,
	// the carrier has collected the money).
	Delivered Status = "delivered"
	// Cancelled: no goods go out (or, for a refused COD parcel, they came
	// back); stock has been returned.
	Cancelled Status = "cancelled"
	// Refunded (返金済み): shipped, then the whole payment was given back
	// (a return, a parcel lost). Nothing more ships and it is no sale; the
	// goods are not counted back into stock, since they may never return.
	Refunded Status = "refunded"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case AwaitingPayment, Placed, Paid, Shipped, Delivered, Cancelled, Refunded:
		return true
	}
	return false
}

// PaymentMethod is how the customer pays.
type PaymentMethod string

// The payment methods Kaede knows. Card needs a payment provider, which
// checkout does not offer yet; the statuses already allow for it.
const (
	BankTransfer PaymentMethod = "bank_transfer" // 銀行振込 (前払い)
	COD          PaymentMethod = "cod"           // 代金引換
	Card         PaymentMethod = "card"          // クレジットカード
	// Invoice is 請求書払い: an approved business customer orders on
	// account and pays the month's orders by one invoice (package billing).
	Invoice PaymentMethod = "invoice"
	Konbini PaymentMethod = "konbini" // コンビニ決済 (前払い, through the provider)
	PayPay  PaymentMethod = "paypay"  // PayPay (through the provider)
)

// Valid reports whether m is a known payment method.
func (m PaymentMethod) Valid() bool {
	return m == BankTransfer || m == COD || m == Card || m == Invoice || m == Konbini || m == PayPay
}

// ViaProvider reports whether the payment provider takes the money: the
// order waits for the provider's word (AwaitingPayment) and expires unpaid.
func (m PaymentMethod) ViaProvider() bool {
	return m == Card || m == Konbini || m == PayPay
}

// RefundsThroughProvider reports whether the money goes back the way it
// came, through the provider: a card or PayPay payment. A konbini payment
// was cash at a till: the shop refunds it itself (usually by transfer to
// the customer's account) and records it, as for a bank transfer.
func (m PaymentMethod) RefundsThroughProvider() bool { return m == Card || m == PayPay }

// PaymentState is where a payment is in its own life, apart from the
// order's status: a delivered COD order has a succeeded payment, a
// cancelled one a cancelled payment.
type PaymentState string

// The payment states, as the payments table allows them.
const (
	PaymentPending           PaymentState = "pending"
	PaymentRequiresAction    PaymentState = "requires_action"
	PaymentAuthorized        PaymentState = "authorized"
	PaymentCaptured          PaymentState = "captured"
	PaymentSucceeded         PaymentState = "succeeded"
	PaymentDeclined          PaymentState = "declined"
	PaymentFailed            PaymentState = "failed"
	PaymentCancelled         PaymentState = "cancelled"
	PaymentRefunded          PaymentState = "refunded"
	PaymentPartiallyRefunded PaymentState = "partially_refunded"
)

// transitions lists, per payment method, every legal status change.
// Cancelled and Refunded are final. A return after delivery is a refund
// with its own record; only a refund of the whole payment moves a shipped
// or delivered order on, to Refunded (a full refund before shipment
// cancels the order instead). The one way
// out of Shipped other than Delivered is a cash-on-delivery parcel the
// customer refuses at the door (受取拒否): it comes back unpaid, so the
// order is cancelled and its stock returned.
var transitions = map[PaymentMethod]map[Status][]Status{
	// Bank transfer is paid in advance: nothing ships before the money.
	BankTransfer: {
		Placed:    {Paid, Cancelled},
		Paid:      {Shipped, Cancelled},
		Shipped:   {Delivered, Refunded},
		Delivered: {Refunded},
	},
	// Cash on delivery is paid to the carrier at the door.
	COD: {
		Placed:    {Shipped, Cancelled},
		Shipped:   {Delivered, Cancelled},
		Delivered: {Refunded},
	},
	// A card is authorised (placed) or captured at once (paid); an
	// authorisation is captured before shipping. An abandoned or declined
	// payment cancels the order.
	Card: {
		AwaitingPayment: {Placed, Paid, Cancelled},
		Placed:          {Paid, Cancelled},
		Paid:            {Shipped, Cancelled},
		Shipped:         {Delivered, Refunded},
		Delivered:       {Refunded},
	},
	// A monthly invoice is paid after the goods: the order ships on
	// account and becomes paid when its month's invoice is (an order
	// still unshipped then goes to Paid; one already shipped keeps its
	// status and its payment succeeds, billing.RecordPayment).
	Invoice: {
		Placed:    {Paid, Shipped, Cancelled},
		Paid:      {Shipped, Cancelled},
		Shipped:   {Delivered, Refunded},
		Delivered: {Refunded},
	},
	// A konbini voucher is paid at the store's till, later: the order
	// waits until the provider reports the money, or the voucher expires.
	Konbini: {
		AwaitingPayment: {Paid, Cancelled},
		Paid:            {Shipped, Cancelled},
		Shipped:         {Delivered, Refunded},
		Delivered:       {Refunded},
	},
	// PayPay is approved in the PayPay app and captured at once.
	PayPay: {
		AwaitingPayment: {Paid, Cancelled},
		Paid:            {Shipped, Cancelled},
		Shipped:         {Delivered, Refunded},
		Delivered:       {Refunded},
	},
}

// CanTransition reports whether an order paid by method may go from one
// status to another.
func CanTransition(from, to Status, method PaymentMethod) bool {
	for _, s := range transitions[method][from] {
		if s == to {
			return true
		}
	}
	return false
}

// InitialStatus is the status a new order starts in: an order paid
// through the provider waits for its payment, the others are binding at
// once.
func InitialStatus(method PaymentMethod) Status {
	if method.ViaProvider() {
		return AwaitingPayment
	}
	return Placed
}

// Unshipped reports whether the order is binding and nothing has left the
// shop yet: what a customer may still cancel themselves, and what a full
// refund cancels rather than marks refunded.
func (s Status) Unshipped() bool { return s == Placed || s == Paid }

// HasShipped reports whether the goods have left the shop.
func (s Status) HasShipped() bool { return s == Shipped || s == Delivered || s == Refunded }
