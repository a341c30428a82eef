-- The virtual-number catalog (seed 000): services (WhatsApp, Telegram...), countries,
-- each country's price list per upstream provider and server, and operators.
CREATE TABLE vn_services (
    code   INTEGER PRIMARY KEY,          -- seed 000's service_code, e.g. 14 WhatsApp
    name   TEXT NOT NULL,
    image  TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE vn_countries (
    number_id INTEGER PRIMARY KEY,       -- seed 000's number_id, e.g. 340437 Indonesia
    name      TEXT NOT NULL,
    prefix    TEXT NOT NULL
);

CREATE TABLE vn_prices (
    service_code INTEGER NOT NULL REFERENCES vn_services(code),
    number_id    INTEGER NOT NULL REFERENCES vn_countries(number_id),
    provider_id  TEXT NOT NULL,
    server_id    INTEGER NOT NULL DEFAULT 0,
    price        INTEGER NOT NULL CHECK (price >= 0),  -- base price, rupiah
    rate_bp      INTEGER NOT NULL DEFAULT 0,          -- success rate in basis points (81.6% = 8160)
    stock        INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
    PRIMARY KEY (service_code, number_id, provider_id)
);

CREATE TABLE vn_operators (
    number_id   INTEGER NOT NULL REFERENCES vn_countries(number_id),
    provider_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    image       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (number_id, provider_id, id)
);
