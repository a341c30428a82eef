// Package loket holds the domain of Loket: money, resellers, the catalog, orders and
// the one error type every edge maps to its own dialect.
package loket

import (
	"errors"
	"fmt"
	"time"
)

// Error codes are stable: clients and the compatibility surfaces match on them.
const (
	ECONFLICT      = "conflict"     // e.g. ref_id reused with a different body
	EINTERNAL      = "internal"     // a bug or an unreachable database
	EINVALID       = "invalid"      // malformed input
	ENOTFOUND      = "not_found"    // no such thing
	EUNAUTHORIZED  = "unauthorized" // missing or wrong key
	EFORBIDDEN     = "forbidden"    // suspended reseller, IP not allowed
	EINSUFFICIENT  = "insufficient_balance"
	EPRODUCT       = "unknown_product"
	EINACTIVE      = "product_inactive"
	EOUTOFSTOCK    = "out_of_stock"
	ETARGET        = "invalid_target"
	EFIELD         = "invalid_field"
	EPRICE         = "price_above_max" // max_price guard
	EDUPLICATE     = "duplicate_pending"
	ETOOLARGE      = "body_too_large"
	ERATELIMIT     = "rate_limited"
	EUNAVAILABLE   = "unavailable"    // no route can serve the product; no free deposit code
	ENOTCONFIGURED = "not_configured" // the operator has not set this up (QRIS, bank accounts)
	ELIMIT         = "limit_reached"  // e.g. too many open deposits
	ENOBILL        = "no_bill"        // the customer has no bill to pay now
	EBILLPAID      = "bill_paid"      // the bill is paid already
	ECUSTOMER      = "invalid_customer"
	EOVERLIMIT     = "bill_over_limit" // the bill is over what the biller takes in one payment
	EEXPIRED       = "inquiry_expired" // the inquiry's day is over and the bill could not be checked again
	EAMOUNT        = "bill_amount_changed"
)

// Reasons refine EPRODUCT when a product is used in the other flow.
const (
	ReasonPostpaid = "postpaid" // a bill's code ordered as a prepaid product
	ReasonPrepaid  = "prepaid"  // a prepaid code used as a bill
)

// Error is the one error type of Loket. Code is machine readable and stable;
// Message is for people and may change. Reason, when set, says more precisely why
// (one of the Reason constants), so that a dialect can word the refusal in its own
// language without reading Message.
type Error struct {
	Code    string
	Message string
	Field   string    // the offending input field, when there is one
	Reason  string    // a finer cause than Code, when a surface words it differently
	RetryAt time.Time // when the same request may succeed (ReasonTooEarly, ERATELIMIT)
	Max     int       // the most bytes the field takes (ReasonTooLong)
}

// Reasons refine a code for virtual-number activations (docs/virtual-numbers.md).
const (
	ReasonTooEarly     = "too_early"      // the supplier's minimum time before a cancel has not passed
	ReasonCodeReceived = "code_received"  // cancel after a code arrived
	ReasonNoCode       = "no_code"        // done or resend before any code
	ReasonClosed       = "closed"         // the activation is done, canceled or failed
	ReasonBusy         = "busy"           // the number is still being rented (or its rent's outcome awaited)
	ReasonRefused      = "refused"        // the supplier refused the action
	ReasonUnreachable  = "unreachable"    // the supplier's answer is unknown; try again
	ReasonNoNumber     = "no_number"      // no supplier had a number; nothing charged
	ReasonSuspended    = "suspended"      // EFORBIDDEN: the account is suspended
	ReasonIPNotAllowed = "ip_not_allowed" // EFORBIDDEN: the caller's address is not in the allowlist
	ReasonSignInLocked = "sign_in_locked" // ERATELIMIT: too many failed sign-ins for the username or address
)

// Reasons refine EINVALID for text that fails CheckText.
const (
	ReasonNotUTF8 = "not_utf8"     // the text is not valid UTF-8
	ReasonControl = "control_char" // the text holds a control character (NUL included)
	ReasonTooLong = "too_long"     // the text is longer than its field takes (Error.Max)
)

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ReasonError returns an *Error with a Reason that refines its code.
func ReasonError(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an *Error that names the offending field.
func FieldError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL when err is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the people-facing message of err; internal errors are hidden.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorReason returns the Reason of an *Error, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorField returns the field an *Error names, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMax returns the most bytes a field takes, as an *Error with ReasonTooLong
// says, or 0.
func ErrorMax(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Max
	}
	return 0
}

// ErrorRetryAt returns when the same request may succeed, as an *Error says, or the
// zero time.
func ErrorRetryAt(err error) time.Time {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAt
	}
	return time.Time{}
}
