package api

import (
	"html/template"
	"net/http"
)

// /docs speaks Indonesian by default and English when asked: the lang cookie the
// dashboards set (GET /lang/en?back=/docs) or ?lang=en|id on /docs itself. The page's
// words are in docsText; the route summaries, the short texts of the document and the
// error codes have their Indonesian form here. /openapi.json stays English, and so do
// the schemas' field descriptions (the doc:"..." struct tags).

// docsLangCookie is the cookie internal/web's language switch sets.
const docsLangCookie = "lang"

// docsLang is the language of a /docs request: ?lang=, else the cookie, else Indonesian.
func docsLang(r *http.Request) string {
	for _, l := range []string{r.URL.Query().Get("lang"), cookieValue(r, docsLangCookie)} {
		if l == "en" || l == "id" {
			return l
		}
	}
	return "id"
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// docsText is the page's own words in one language. The template.HTML fields are
// constants written here, never data.
type docsText struct {
	Lang, Heading, MachineReadable, BaseURL, Endpoints string
	Webhooks                                           string
	WebhooksIntro                                      template.HTML
	Errors                                             string
	ErrorsIntro                                        template.HTML
	Status, Code, Meaning, Schemas                     string
	Field, Type, Description, Name, In                 string
	Required, OneOf, NoFields                          string
	Parameters, RequestBody, Responses, Example        string
	WithCode, AuthBadge, Auth                          string
	AuthHint                                           template.HTML
	Other, OtherLang, OtherHref                        string // the switch to the other language
}

var docsEN = docsText{
	Lang: "en", Heading: "%s documentation", MachineReadable: "Machine-readable", BaseURL: "Base URL", Endpoints: "Endpoints",
	Webhooks:      "Webhooks",
	WebhooksIntro: `Loket calls <em>your</em> server: these requests go to the URL you set with <code>PUT /v1/webhook</code>.`,
	Errors:        "Error codes",
	ErrorsIntro:   `Every error answers with the <a href="#schema-Error">Error</a> body; match on <code>error.code</code>, not on the message.`,
	Status:        "HTTP status", Code: "error.code", Meaning: "Meaning", Schemas: "Schemas",
	Field: "Field", Type: "Type", Description: "Description", Name: "Name", In: "In",
	Required: "required", OneOf: "One of:", NoFields: "No fields.",
	Parameters: "Parameters", RequestBody: "Request body", Responses: "Responses", Example: "Example",
	WithCode: "with", AuthBadge: "API key", Auth: "Authentication",
	AuthHint: `send <code>Authorization: Bearer API_KEY</code> or <code>X-API-Key: API_KEY</code>.`,
	Other:    "Bahasa Indonesia", OtherLang: "id", OtherHref: "/lang/id?back=/docs",
}

var docsID = docsText{
	Lang: "id", Heading: "Dokumentasi %s", MachineReadable: "Untuk program", BaseURL: "URL dasar", Endpoints: "Daftar endpoint",
	Webhooks:      "Webhook",
	WebhooksIntro: `Loket memanggil server <em>Anda</em>: permintaan ini dikirim ke URL yang Anda atur dengan <code>PUT /v1/webhook</code>.`,
	Errors:        "Kode galat",
	ErrorsIntro:   `Setiap galat dijawab dengan body <a href="#schema-Error">Error</a>; cocokkan <code>error.code</code>, bukan pesannya.`,
	Status:        "Status HTTP", Code: "error.code", Meaning: "Arti", Schemas: "Skema",
	Field: "Field", Type: "Tipe", Description: "Keterangan", Name: "Nama", In: "Letak",
	Required: "wajib", OneOf: "Salah satu dari:", NoFields: "Tanpa field.",
	Parameters: "Parameter", RequestBody: "Body permintaan", Responses: "Jawaban", Example: "Contoh",
	WithCode: "dengan", AuthBadge: "API key", Auth: "Autentikasi",
	AuthHint: `kirim <code>Authorization: Bearer API_KEY</code> atau <code>X-API-Key: API_KEY</code>.`,
	Other:    "English", OtherLang: "en", OtherHref: "/lang/en?back=/docs",
}

const apiDescriptionID = "API JSON bawaan Loket, untuk reseller yang terhubung host to host (H2H).\n\n" +
	"Autentikasi: kirim API key Anda di setiap permintaan /v1, sebagai `Authorization: Bearer API_KEY` atau `X-API-Key: API_KEY`. " +
	"Key yang tidak ada atau salah dijawab 401 (unauthorized); akun yang ditangguhkan atau alamat di luar daftar IP yang diizinkan dijawab 403 (forbidden).\n\n" +
	"Idempotensi: setiap pesanan membawa ref_id milik Anda. Mengirim ref_id yang sama lagi mengembalikan pesanan yang sudah dibuat " +
	"(200, bukan 201) tanpa memotong saldo, jadi permintaan yang timeout aman diulang; " +
	"ref_id yang sama dengan body berbeda dijawab 409 (conflict).\n\n" +
	"Webhook: saat status pesanan berubah, Loket mengirim POST ke URL webhook Anda, ditandatangani dengan header " +
	"`X-Loket-Signature: sha256=<hex HMAC-SHA256 body dengan secret key>`. Verifikasi atas body mentah sebelum memercayainya. " +
	"Jawaban 2xx menandai pengiriman diterima; selain itu dicoba ulang dengan jeda yang makin panjang hingga 24 jam.\n\n" +
	"Waktu dalam UTC, berformat RFC 3339. Uang berupa bilangan bulat rupiah, tanpa desimal.\n\n" +
	"Galat: setiap jawaban non-2xx ber-body `{\"error\": {\"code\": ..., \"message\": ..., \"field\": ...}}`. " +
	"Code tetap dan ditujukan untuk program; message untuk manusia dan bisa berubah; field menyebut input yang bermasalah, bila ada.\n\n" +
	"Teks: setiap string dalam permintaan (path, parameter query, field body, key map) harus UTF-8 valid tanpa karakter kontrol " +
	"(NUL, escape, ganti baris...) dan paling banyak 1024 byte, kecuali field menyebut batas lebih kecil; body JSON harus UTF-8. " +
	"Selain itu dijawab 400 `invalid` dengan nama field-nya (`path`, `query`, `body` atau nama parameternya)."

// summaryID is the Indonesian summary of every route, by its pattern. TestDocsSummaryID
// fails for a route without one.
var summaryID = map[string]string{
	"GET /healthz":                           "Kesehatan: 200 bila database menjawab",
	"GET /v1/me":                             "Akun dan saldo Anda",
	"POST /v1/keys":                          "Ganti API key dan secret key Anda (yang lama tidak berlaku lagi)",
	"GET /v1/products":                       "Katalog dengan harga Anda",
	"GET /v1/products/{code}":                "Satu produk dengan harga Anda",
	"POST /v1/orders":                        "Buat pesanan (201 bila dibuat, 200 bila ref_id sudah pernah dipakai)",
	"GET /v1/orders/{id}":                    "Satu pesanan Anda",
	"GET /v1/orders":                         "Pesanan Anda, terbaru dulu",
	"GET /v1/ledger":                         "Mutasi saldo Anda, terbaru dulu, dengan saldo setelah tiap mutasi",
	"POST /v1/deposits":                      "Buka deposit: bayar totalnya dan jumlahnya masuk ke saldo Anda",
	"GET /v1/deposits":                       "Deposit Anda, terbaru dulu",
	"GET /v1/deposits/{id}":                  "Satu deposit Anda",
	"POST /v1/deposits/{id}/cancel":          "Batalkan deposit yang masih terbuka",
	"POST /v1/withdrawals":                   "Minta pencairan sebagian saldo profit Anda (operator yang mentransfer)",
	"GET /v1/withdrawals":                    "Pencairan profit Anda, terbaru dulu",
	"POST /v1/profit/move":                   "Pindahkan sebagian saldo profit ke saldo Anda",
	"GET /v1/network/downlines":              "Downline langsung Anda dengan saldo, penjualan, dan komisi Anda dari mereka",
	"POST /v1/network/downlines":             "Buat downline dengan markup Anda dan saldo awal dari saldo Anda; kuncinya hanya ditampilkan sekali",
	"PUT /v1/network/downlines/{id}/markup":  "Atur markup Anda untuk downline: untuk semua produk, satu kategori, atau satu produk",
	"GET /v1/network/downlines/{id}/markups": "Markup Anda untuk downline: untuk semua produk, per kategori, dan per produk",
	"DELETE /v1/network/downlines/{id}/markups/{scope}/{code}": "Hapus markup Anda untuk downline pada satu kategori atau produk, sehingga markup yang lebih luas berlaku lagi; markup untuk semua produk diatur ke 0",
	"POST /v1/network/downlines/{id}/status":                   "Bekukan downline atau aktifkan kembali",
	"POST /v1/network/transfers":                               "Pindahkan saldo ke downline atau tarik kembali darinya, sekali per key",
	"GET /v1/network/report":                                   "Ringkasan jaringan Anda: downline, penjualan mereka, komisi, dan saldo profit Anda",
	"GET /v1/numbers/services":                                 "Layanan yang kodenya bisa diterima nomor virtual",
	"GET /v1/numbers/countries":                                "Negara dengan daftar harganya untuk satu layanan, dengan harga Anda",
	"GET /v1/numbers/operators":                                "Operator di satu negara dan provider",
	"POST /v1/numbers": "Sewa nomor (201 bila dibuat, 200 bila ref_id sudah pernah dipakai); harganya ditahan sampai kode masuk; " +
		"status renting: masih disiapkan, cek lagi",
	"GET /v1/numbers":              "Aktivasi Anda, terbaru dulu",
	"GET /v1/numbers/{id}":         "Satu aktivasi Anda dengan SMS-nya (dibaca lokal: boleh sering dicek)",
	"POST /v1/numbers/{id}/cancel": "Batalkan aktivasi yang belum menerima kode: dana kembali penuh",
	"POST /v1/numbers/{id}/done":   "Selesaikan aktivasi yang sudah menerima kode: saldo dipotong",
	"POST /v1/numbers/{id}/resend": "Minta kode lain; aktivasi menunggu lagi",
	"POST /v1/bills/inquiry":       "Cek tagihan pascabayar pelanggan (gratis); bayar dengan POST /v1/bills/pay",
	"GET /v1/bills/{id}":           "Satu cek tagihan Anda",
	"POST /v1/bills/pay":           "Bayar tagihan yang sudah dicek (201 bila dibuat, 200 bila ref_id atau tagihannya sudah dibayar)",
	"GET /v1/pln/check":            "Pemilik nomor meter atau ID pelanggan PLN: nama, tarif dan daya",
	"GET /v1/webhook":              "URL webhook Anda",
	"PUT /v1/webhook":              "Atur URL webhook Anda; pengiriman ditandatangani X-Loket-Signature: sha256=HMAC-SHA256(body, secret key)",
	"GET /v1/webhooks":             "Pengiriman webhook terakhir Anda, dengan setiap percobaannya",
}

// webhookID is the Indonesian summary and description of every webhook, by event.
var webhookID = map[string]struct{ Summary, Description string }{
	"order.updated": {"Status pesanan berubah (dikirim ke URL webhook Anda)",
		"Loket mengirim POST berisi pesanan ke URL webhook yang diatur dengan PUT /v1/webhook setiap kali statusnya berubah. " +
			"Jawab 2xx dalam 10 detik untuk menandai diterima; selain itu dicoba ulang hingga 24 jam, " +
			"jadi peristiwa yang sama bisa datang lebih dari sekali: saring duplikat dengan X-Loket-Delivery atau id dan status pesanan."},
	"price.updated": {"Harga Anda berubah (dikirim ke URL webhook Anda)",
		"Saat operator mengubah harga dasar, Loket mengirim POST berisi produk yang harganya untuk level Anda berubah, " +
			"harga lama dan baru, sekali per perubahan. Ditandatangani dan dicoba ulang seperti webhook pesanan."},
	"number.sms": {"Nomor sewaan menerima SMS (dikirim ke URL webhook Anda)",
		"Loket mengirim POST untuk setiap SMS yang diterima nomor, sekali, dengan aktivasi sesudahnya dan isi pesannya. " +
			"Ditandatangani dan dicoba ulang seperti webhook pesanan."},
}

// phraseID translates the document's short texts: query parameters, webhook headers
// and further success answers, by their English wording.
var phraseID = map[string]string{
	"only this category code":                           "hanya kode kategori ini",
	"only this brand code":                              "hanya kode brand ini",
	"pending, success or failed":                        "pending, success atau failed",
	"only the order with this ref_id":                   "hanya pesanan dengan ref_id ini",
	"created at or after (RFC 3339 or YYYY-MM-DD, WIB)": "dibuat pada atau sesudah (RFC 3339 atau YYYY-MM-DD, WIB)",
	"created before (RFC 3339 or YYYY-MM-DD, WIB)":      "dibuat sebelum (RFC 3339 atau YYYY-MM-DD, WIB)",
	"1-200, default 50":                                 "1-200, bawaan 50",
	"next_cursor of the previous page":                  "next_cursor dari halaman sebelumnya",
	"service code (required)":                           "kode layanan (wajib)",
	"country (required)":                                "negara (wajib)",
	"provider (required)":                               "provider (wajib)",
	"only the activation with this ref_id":              "hanya aktivasi dengan ref_id ini",
	"the meter or customer number":                      "nomor meter atau ID pelanggan",
	"a PLN token's code (optional)":                     "kode token PLN (opsional)",
	"the ref_id was used before with the same request: that order, nothing charged": "ref_id sudah dipakai dengan permintaan yang sama: " +
		"pesanan itu, tanpa potong saldo",
	"the ref_id was used before with the same request: that activation, nothing charged": "ref_id sudah dipakai dengan permintaan yang sama: " +
		"aktivasi itu, tanpa potong saldo",
	"the ref_id was used before, or the bill is being paid or paid: that order, nothing charged": "ref_id sudah pernah dipakai, atau tagihan " +
		"sedang atau sudah dibayar: pesanan itu, tanpa potong saldo",
	"sha256=<hex HMAC-SHA256 of the raw body with your secret key>": "sha256=<hex HMAC-SHA256 body mentah dengan secret key Anda>",
	"the event, order.updated":                                      "peristiwanya, order.updated",
	"the event, price.updated":                                      "peristiwanya, price.updated",
	"the event, number.sms":                                         "peristiwanya, number.sms",
	"the id of this webhook; retries repeat it":                     "id webhook ini; percobaan ulang memakai id yang sama",
	"Any 2xx status acknowledges the delivery":                      "Status 2xx apa pun menandai pengiriman diterima",
}

// statusID names the HTTP statuses the API answers with.
var statusID = map[int]string{
	http.StatusOK:                    "OK",
	http.StatusCreated:               "Dibuat",
	http.StatusBadRequest:            "Permintaan tidak valid",
	http.StatusUnauthorized:          "Tidak terautentikasi",
	http.StatusPaymentRequired:       "Saldo kurang",
	http.StatusForbidden:             "Ditolak",
	http.StatusNotFound:              "Tidak ditemukan",
	http.StatusConflict:              "Konflik",
	http.StatusRequestEntityTooLarge: "Body terlalu besar",
	http.StatusUnprocessableEntity:   "Tidak bisa diproses",
	http.StatusTooManyRequests:       "Terlalu banyak permintaan",
	http.StatusInternalServerError:   "Galat server",
	http.StatusServiceUnavailable:    "Layanan tidak tersedia",
}

// codeMeaning says what each error code means, in English and Indonesian.
var codeMeaning = map[string]struct{ EN, ID string }{
	"invalid":              {"malformed input; error.field names it", "input tidak valid; error.field menyebut letaknya"},
	"invalid_field":        {"an entry of the order's fields is not accepted", "isi fields pesanan tidak diterima"},
	"invalid_target":       {"the target is missing or does not fit the product", "nomor tujuan kosong atau tidak cocok dengan produk"},
	"unauthorized":         {"missing or wrong API key", "API key tidak ada atau salah"},
	"insufficient_balance": {"your balance does not cover it", "saldo Anda tidak cukup"},
	"forbidden":            {"account suspended, or your IP is not allowed", "akun ditangguhkan, atau IP Anda tidak diizinkan"},
	"not_found":            {"no such thing, or not yours", "tidak ada, atau bukan milik Anda"},
	"bill_amount_changed":  {"the bill's amount changed since the inquiry: check it again", "jumlah tagihan berubah sejak dicek: cek ulang"},
	"conflict":             {"the ref_id was used with a different request", "ref_id sudah dipakai dengan permintaan lain"},
	"duplicate_pending":    {"an order of the same product to the same target is still pending", "pesanan produk yang sama ke tujuan yang sama masih pending"},
	"limit_reached":        {"too many open at once, e.g. deposits", "terlalu banyak yang terbuka sekaligus, misalnya deposit"},
	"body_too_large":       {"the request body is too large", "body permintaan terlalu besar"},
	"bill_over_limit":      {"the bill is over what can be paid at once", "tagihan melebihi batas sekali bayar"},
	"bill_paid":            {"the bill is paid already", "tagihan sudah dibayar"},
	"inquiry_expired":      {"the inquiry is too old to pay: check again", "cek tagihan sudah kedaluwarsa: cek ulang"},
	"invalid_customer":     {"the customer number is wrong", "nomor pelanggan salah"},
	"no_bill":              {"the customer has no bill to pay now", "pelanggan tidak punya tagihan saat ini"},
	"not_configured":       {"the operator has not set this up", "operator belum mengaturnya"},
	"out_of_stock":         {"the product is out of stock", "stok produk habis"},
	"price_above_max":      {"the price is above your max_price", "harga melebihi max_price Anda"},
	"product_inactive":     {"the product is closed now, e.g. its daily cut-off", "produk sedang tutup, misalnya jam cut-off harian"},
	"unavailable":          {"nothing can serve it right now; try later", "belum bisa dilayani saat ini; coba lagi nanti"},
	"unknown_product":      {"no such product code", "kode produk tidak dikenal"},
	"rate_limited":         {"too many requests; slow down", "terlalu banyak permintaan; perlambat"},
	"internal":             {"a fault on our side", "gangguan di sisi kami"},
}

// docsInIndonesian turns the English page docsView built into Indonesian.
func docsInIndonesian(page *docsPage) {
	page.Description = apiDescriptionID
	for i := range page.Ops {
		op := &page.Ops[i]
		if s, ok := summaryID[op.key]; ok {
			op.Summary = s
		}
		translateOp(op)
	}
	for i := range page.Webhooks {
		op := &page.Webhooks[i]
		if w, ok := webhookID[op.key]; ok {
			op.Summary, op.Description = w.Summary, w.Description
		}
		translateOp(op)
	}
	for i := range page.Codes {
		page.Codes[i].Meaning = codeMeaning[page.Codes[i].Code].ID
	}
}

func translateOp(op *docsOp) {
	for i := range op.Params {
		op.Params[i].Description = phrase(op.Params[i].Description)
	}
	for i := range op.Responses {
		r := &op.Responses[i]
		if st := atoi(r.Status); r.Description == http.StatusText(st) && statusID[st] != "" {
			r.Description = statusID[st]
		} else {
			r.Description = phrase(r.Description)
		}
	}
}

// phrase is the Indonesian of a short text, or the text when it has none.
func phrase(s string) string {
	if t, ok := phraseID[s]; ok {
		return t
	}
	return s
}
