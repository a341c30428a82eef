package loket

import (
	"context"
	"io"
	"net/http"
	"time"
)

// The service interfaces are what the edges (the native API, the dialects, the
// dashboards, chat, the operator's commands) call: each is what the edges need of one
// aggregate, and nothing of how it is kept. The implementations live in the packages
// named after the aggregate (orders, catalog, deposits...), or in store for plain
// reads; cmd/loket wires them into a Services.

// Services is every service an edge may call.
type Services struct {
	Resellers ResellerService
	Catalog   CatalogService
	Orders    OrderService
	Bills     BillService
	Deposits  DepositService
	Numbers   NumberService
	Dropship  DropshipService
	Webhooks  WebhookService
	Reports   ReportService
	Sessions  SessionService
	Settings  SettingService
	Chat      ChatService
	Network   NetworkService
	// Limits keeps the counts of the edges' rate limits (internal/ratelimit): a table
	// every node shares on PostgreSQL, so a limit holds across the cluster.
	Limits LimitStore
}

// LimitStore keeps each rate-limit key's log: the times of its events, oldest first.
// internal/ratelimit counts in one (ratelimit.Store is this interface).
type LimitStore interface {
	// Update calls f with the part of key's log that is still inside the window
	// ending at now (times after now-window) and keeps what f returns as the key's
	// log; an empty one forgets the key. It is atomic per key: no other Update of key
	// runs in between. f may append to the slice it is given. A store that retries
	// (an optimistic transaction) may call f more than once; the last call counts.
	// Once its newest time has left the window, a key may be forgotten.
	Update(ctx context.Context, key string, now time.Time, window time.Duration, f func(log []time.Time) []time.Time) error
}

// ResellerService manages resellers' accounts, keys and sign-ins, and the operators'.
type ResellerService interface {
	// Authenticate finds the active reseller behind an API key, calling from remote.
	Authenticate(ctx context.Context, apiKey, remote string) (*ResellerAuth, error)
	// AuthenticateSigned finds the active reseller username whose secret key makes
	// valid true, calling from remote: for dialects that send a signature made with
	// the key rather than a key (Digiflazz). Unknown username and a signature that
	// does not verify are one EUNAUTHORIZED; suspension and the IP allowlist apply
	// after, as for Authenticate.
	AuthenticateSigned(ctx context.Context, username, remote string, valid func(secretKey string) bool) (*ResellerAuth, error)
	// CheckSecret reports whether secret is the reseller's secret key.
	CheckSecret(r *ResellerAuth, secret string) bool
	// SecretKey is the reseller's secret key in the clear, for dialects that sign with it.
	SecretKey(r *ResellerAuth) (string, error)
	AuthByID(ctx context.Context, id int64) (*ResellerAuth, error)
	// Auth is AuthByID kept for a moment, as Authenticate keeps a key's reseller (a
	// change made on this node is seen at once, one made on another within seconds).
	Auth(ctx context.Context, id int64) (*ResellerAuth, error)
	// Reseller returns a reseller by id, or by username when id is 0.
	Reseller(ctx context.Context, id int64, username string) (*Reseller, error)
	Resellers(ctx context.Context) ([]*Reseller, error)
	CreateReseller(ctx context.Context, in NewResellerInput) (*Reseller, Credentials, error)
	UpdateReseller(ctx context.Context, id int64, u ResellerUpdate) error
	RegenerateKeys(ctx context.Context, id int64) (Credentials, error)
	RegenerateAPIKey(ctx context.Context, id int64) (string, error)
	// Credit is the operator's manual correction of a balance; key makes it idempotent.
	Credit(ctx context.Context, id int64, amount Money, note, key string) (Money, error)
	// Ledger is a reseller's mutasi, newest first, before an entry id (0: the newest).
	Ledger(ctx context.Context, r *ResellerAuth, before int64, limit int) ([]LedgerLine, error)
	SetPassword(ctx context.Context, id int64, password string) error
	// Login checks a reseller's username and password for a sign-in from the client
	// address remote. Every way of signing in goes through Login, LoginAPIKey or
	// AdminLogin, which share the sign-in limits: failures per username and per
	// address, refused past them with ERATELIMIT (ReasonSignInLocked) before the
	// password is checked.
	Login(ctx context.Context, username, password, remote string) (*Reseller, error)
	// LoginAPIKey is Login for a program (seed 004's auth/login): the reseller's IP
	// allowlist applies as for its API key, and it returns the reseller's current API
	// key, which keeps working.
	LoginAPIKey(ctx context.Context, username, password, remote string) (*Reseller, string, error)
	CreateAdmin(ctx context.Context, username, password string) error
	AdminLogin(ctx context.Context, username, password, remote string) (int64, error)
}

// CatalogService is what is sold, at which price, and from whom.
type CatalogService interface {
	Products(level string) []Product
	Product(code, level string) (*Product, error)
	ProductByID(id int64, level string) (*Product, error)
	Brands() []Brand
	Categories() []Category
	// PriceFor is what a level pays for a base price with no per-product override.
	PriceFor(base Money, level string) Money
	// Catalog is the whole cached catalog; callers must not change it.
	Catalog() *Catalog
	// Import applies a catalog file (YAML or JSON) in one transaction.
	Import(ctx context.Context, r io.Reader, name string) (ImportSummary, error)
	Levels(ctx context.Context) ([]Level, error)
	SetLevel(ctx context.Context, l Level) error
	MarkupRules(ctx context.Context) ([]MarkupRule, error)
	// SetMarkupRule and DeleteMarkupRule change a rule and reprice (apply), or say what
	// they would do and write nothing (a preview).
	SetMarkupRule(ctx context.Context, m MarkupRule, apply bool) (*MarkupChange, error)
	DeleteMarkupRule(ctx context.Context, scope, code string, apply bool) (*MarkupChange, error)
	PriceHistory(ctx context.Context, limit int) ([]PriceChangeSet, error)
	UndoPrices(ctx context.Context, id int64, force, apply bool) (*PriceChangeSet, error)
	// SupplierKinds lists the kinds of upstream this Loket can buy from.
	SupplierKinds() []string
	AddSupplier(ctx context.Context, s Supplier) (*Supplier, error)
	SetSupplierEnabled(ctx context.Context, id int64, enabled bool) error
	AddRoute(ctx context.Context, r NewRoute) (*Route, error)
	// SyncPrices pulls a supplier's price list now.
	SyncPrices(ctx context.Context, supplierID int64) (*PriceSync, error)
	Refresh(ctx context.Context) error
}

// OrderService accepts orders and carries them to a final state.
type OrderService interface {
	CreateOrder(ctx context.Context, r *ResellerAuth, req OrderRequest) (o *Order, created bool, err error)
	// Order returns one of a reseller's orders (any reseller's when resellerID is 0).
	Order(ctx context.Context, resellerID, id int64) (*Order, error)
	OrderByRef(ctx context.Context, resellerID int64, refID string) (*Order, error)
	Orders(ctx context.Context, f OrderFilter) ([]*Order, error)
	Attempts(ctx context.Context, orderID int64) ([]Attempt, error)
	// SettleByOperator decides a pending order by hand, once.
	SettleByOperator(ctx context.Context, orderID int64, success bool, sn, note string) (*Order, error)
	// HandleCallback takes what an upstream pushed to /callbacks/{name} and returns the
	// answer it expects.
	HandleCallback(ctx context.Context, name string, r *http.Request, body []byte) (status int, answer []byte)
	// Suppliers is every supplier's state as this node sees it.
	Suppliers() []SupplierState
	// CheckBalances asks every enabled supplier for its balance now.
	CheckBalances(ctx context.Context)
}

// DepositService takes money in.
type DepositService interface {
	CreateDeposit(ctx context.Context, r *ResellerAuth, method string, amount Money, surface string) (*Deposit, error)
	CancelDeposit(ctx context.Context, r *ResellerAuth, id int64) (*Deposit, error)
	// Deposit returns one deposit (one of a reseller's when resellerID is not 0).
	Deposit(ctx context.Context, id, resellerID int64) (*Deposit, error)
	Deposits(ctx context.Context, resellerID int64, limit int) ([]*Deposit, error)
	// OpenDeposits lists the deposits waiting for their payment, dropship orders'
	// customer payments included (OpenDeposit.DropshipOrder).
	OpenDeposits(ctx context.Context, limit int) ([]OpenDeposit, error)
	// ConfirmDeposit is the operator's word that a deposit's transfer arrived.
	ConfirmDeposit(ctx context.Context, id int64, note, txHash string) (*Deposit, error)
	RecordPayment(ctx context.Context, p Payment) (PaymentOutcome, error)
	Payments(ctx context.Context, state string, limit int) ([]*Payment, error)
	// CreditPayment credits a payment that matched no deposit, by the operator's hand.
	CreditPayment(ctx context.Context, paymentID, resellerID int64, note string) error
	QRPNG(d *Deposit) ([]byte, error)
	// QRToken is the secret part of a deposit's public QR image link.
	QRToken(depositID int64) string
	PublicQRURL(d *Deposit) string
	StaticQRIS(ctx context.Context) (string, error)
	SetStaticQRIS(ctx context.Context, static string) error
	BankAccounts(ctx context.Context) ([]BankAccount, error)
	AddBankAccount(ctx context.Context, b BankAccount) ([]BankAccount, error)
	USDT(ctx context.Context) (USDTConfig, error)
	SetUSDT(ctx context.Context, c USDTConfig) error
}

// NumberService rents virtual numbers for OTP SMS.
type NumberService interface {
	OrderNumber(ctx context.Context, r *ResellerAuth, req NumberRequest) (a *Activation, existed bool, err error)
	Activation(ctx context.Context, resellerID, id int64) (*Activation, error)
	ActivationByRef(ctx context.Context, resellerID int64, ref string) (*Activation, error)
	Activations(ctx context.Context, resellerID, before int64, limit int) ([]*Activation, error)
	ListActivations(ctx context.Context, f ActivationFilter) ([]*Activation, error)
	CancelNumber(ctx context.Context, r *ResellerAuth, id int64) (*Activation, error)
	FinishNumber(ctx context.Context, r *ResellerAuth, id int64) (*Activation, error)
	ResendNumber(ctx context.Context, r *ResellerAuth, id int64) (*Activation, error)
	Services(ctx context.Context) ([]VNService, error)
	ServicesAt(ctx context.Context, numberID int64, providerID string) ([]VNService, error)
	Countries(ctx context.Context, serviceCode int64) ([]VNCountry, error)
	Operators(ctx context.Context, country, providerID string) ([]VNOperator, error)
	OperatorsAt(ctx context.Context, numberID int64, providerID string) ([]VNOperator, error)
}

// DropshipService sells paid by the reseller's customer, and pays out profit.
type DropshipService interface {
	CreateDropshipOrder(ctx context.Context, r *ResellerAuth, req OrderRequest, d DropshipRequest) (*Order, *Dropship, bool, error)
	Dropship(ctx context.Context, orderID int64) (*Dropship, error)
	// ByToken finds a dropship order by the secret of its invoice link.
	ByToken(ctx context.Context, orderID int64, token string) (*Dropship, *Order, error)
	RefundDropship(ctx context.Context, orderID int64, note string) (*Dropship, error)
	RefundsOwed(ctx context.Context, resellerID int64, limit int) ([]Dropship, error)
	InvoiceURL(d *Dropship) string
	StatusURL(d *Dropship) string
	QRURL(d *Dropship) string
	RequestWithdrawal(ctx context.Context, r *ResellerAuth, in WithdrawalInput) (w *Withdrawal, created bool, err error)
	DecideWithdrawal(ctx context.Context, id int64, approve bool, note string) (*Withdrawal, error)
	Withdrawals(ctx context.Context, f WithdrawalFilter) ([]Withdrawal, error)
	MoveProfit(ctx context.Context, r *ResellerAuth, amount Money, key string) (moved bool, err error)
}

// WebhookService tells resellers what happened, in their dialect. The Set methods are
// called while the edges mount, before the services start.
type WebhookService interface {
	SetNotifier(surface string, n OrderNotifier)
	SetPriceNotifier(surface string, n PriceNotifier)
	SetSMSNotifier(surface string, n SMSNotifier)
	SetAcceptor(event string, f WebhookAcceptor)
	// SetHeaders registers the headers a dialect adds to each delivery of an event.
	SetHeaders(event string, f WebhookHeaders)
	// AllowOrderURL lets the orders of a surface carry their own report address
	// (SetOrderURL): Digiflazz's cb_url.
	AllowOrderURL(surface string)
	// SetOrderURL keeps, before the order is written, the address that the report of
	// the reseller's order ref_id goes to instead of the reseller's webhook URL. The
	// URL must pass CheckURL; an empty one forgets it. Only orders of a surface given
	// to AllowOrderURL use it.
	SetOrderURL(ctx context.Context, resellerID int64, refID, url string) error
	CheckURL(raw string) error
	Webhooks(ctx context.Context, resellerID int64, limit int) ([]*Webhook, error)
	// Test sends one signed test event now and reports the HTTP status it got.
	Test(ctx context.Context, resellerID int64) (int, error)
}

// ReportService reads what the operator's pages sum and list.
type ReportService interface {
	SalesByStatus(ctx context.Context, from, to time.Time) ([]StatusSum, error)
	DailySales(ctx context.Context, now time.Time, days int, loc *time.Location) ([]DaySum, error)
	// Report sums the successful orders of a range by one dimension; by day, every
	// day of the range is present. A range over MaxReportDays is refused (EINVALID).
	Report(ctx context.Context, q ReportQuery) ([]ReportRow, error)
	Money(ctx context.Context) (MoneySummary, error)
	SearchOrders(ctx context.Context, f OrderSearch) ([]*OrderRow, error)
	PendingOrders(ctx context.Context, flaggedOnly bool, limit int) ([]*OrderRow, error)
	OrderRowByID(ctx context.Context, id int64) (*OrderRow, error)
	OrderWebhooks(ctx context.Context, resellerID, orderID int64) ([]*Webhook, error)
}

// SessionService keeps the dashboards' sign-ins, found by the SHA-256 digest of their
// token.
type SessionService interface {
	CreateWebSession(ctx context.Context, digest string, s WebSession) error
	WebSessionByDigest(ctx context.Context, digest string) (*WebSession, error)
	DeleteWebSession(ctx context.Context, digest string) error
	DeleteWebSessionsOf(ctx context.Context, kind string, subjectID int64) error
}

// SettingService keeps the operator's switches (self_registration, ...).
type SettingService interface {
	Setting(ctx context.Context, key string) (string, error)
	SetSetting(ctx context.Context, key, value string) error
}
